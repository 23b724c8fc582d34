//! `/console/providers`: (being written).

use crate::Sso;
use axum::Router;
use std::sync::Arc;

pub fn routes() -> Router<Arc<Sso>> {
    Router::new()
}
