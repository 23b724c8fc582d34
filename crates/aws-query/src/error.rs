//! The AWS error document, and the one mapping from library errors to AWS codes.

use crate::form::FormError;
use crate::xml::{IAM_NS, escape};
use axum::response::{IntoResponse, Response};
use fedgate_iam::IamError;
use fedgate_sigv4::SigV4Error;
use fedgate_store::StoreError;
use http::{HeaderValue, StatusCode, header};

/// An AWS-shaped failure: code, message, HTTP status, and whether the caller is at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn validation(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "ValidationError", message)
    }

    pub fn missing_parameter(name: &str) -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "MissingParameter",
            format!("The request must contain the parameter {name}"),
        )
    }

    pub fn internal() -> Self {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalFailure",
            "The request processing has failed because of an unknown error, exception or failure.",
        )
    }

    pub fn unavailable() -> Self {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "The request has failed due to a temporary failure of the server.",
        )
    }

    /// AWS's answer to a caller over its rate: `Throttling`, HTTP 400, "Rate exceeded" (SDKs
    /// retry it with backoff).
    pub fn throttled() -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "Throttling", "Rate exceeded")
    }

    /// `Sender` for 4xx, `Receiver` for 5xx, as AWS marks them.
    pub fn fault(&self) -> &'static str {
        if self.status.is_server_error() {
            "Receiver"
        } else {
            "Sender"
        }
    }

    /// The error document in the service's namespace.
    pub fn to_xml(&self, ns: &str, request_id: &str) -> String {
        let mut out = String::with_capacity(256 + self.message.len());
        out.push_str("<ErrorResponse xmlns=\"");
        out.push_str(ns);
        out.push_str("\"><Error><Type>");
        out.push_str(self.fault());
        out.push_str("</Type><Code>");
        out.push_str(self.code);
        out.push_str("</Code><Message>");
        escape(&self.message, &mut out);
        out.push_str("</Message></Error><RequestId>");
        escape(request_id, &mut out);
        out.push_str("</RequestId></ErrorResponse>");
        out
    }

    pub fn into_response_with(self, ns: &str, request_id: &str) -> Response {
        let body = self.to_xml(ns, request_id);
        let mut resp = (self.status, body).into_response();
        resp.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
        resp
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.into_response_with(IAM_NS, "")
    }
}

impl From<FormError> for ApiError {
    fn from(e: FormError) -> Self {
        // AWS documents MalformedQueryString with HTTP 404.
        ApiError::new(StatusCode::NOT_FOUND, "MalformedQueryString", e.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(detail) => {
                tracing::warn!(%detail, "store unavailable");
                ApiError::unavailable()
            }
            StoreError::Conflict => ApiError::new(
                StatusCode::CONFLICT,
                "ConcurrentModification",
                "The request was rejected because multiple requests to change this object were submitted simultaneously. Wait a few minutes and submit your request again.",
            ),
            StoreError::QuotaReached => ApiError::new(
                StatusCode::CONFLICT,
                "LimitExceeded",
                "The request was rejected because it attempted to create resources beyond the current AWS account limits.",
            ),
            StoreError::AlreadyExists | StoreError::Corrupt(_) => {
                tracing::error!(error = %e, "store fault");
                ApiError::internal()
            }
        }
    }
}

impl From<IamError> for ApiError {
    fn from(e: IamError) -> Self {
        match e {
            IamError::NoSuchEntity(m) => ApiError::new(StatusCode::NOT_FOUND, "NoSuchEntity", m),
            IamError::EntityAlreadyExists(m) => {
                ApiError::new(StatusCode::CONFLICT, "EntityAlreadyExists", m)
            }
            IamError::Validation(m) => ApiError::validation(m),
            IamError::AccessDenied(m) => ApiError::new(StatusCode::FORBIDDEN, "AccessDenied", m),
            IamError::DeleteConflict(m) => ApiError::new(StatusCode::CONFLICT, "DeleteConflict", m),
            IamError::LimitExceeded(m) => ApiError::new(StatusCode::CONFLICT, "LimitExceeded", m),
            IamError::MalformedPolicyDocument(m) => {
                ApiError::new(StatusCode::BAD_REQUEST, "MalformedPolicyDocument", m)
            }
            IamError::PasswordPolicyViolation(m) => {
                ApiError::new(StatusCode::BAD_REQUEST, "PasswordPolicyViolation", m)
            }
            IamError::InvalidAuthenticationCode(m) => {
                ApiError::new(StatusCode::FORBIDDEN, "InvalidAuthenticationCode", m)
            }
            IamError::InvalidInput(m) => ApiError::new(StatusCode::BAD_REQUEST, "InvalidInput", m),
            IamError::UnmodifiableEntity(m) => {
                ApiError::new(StatusCode::BAD_REQUEST, "UnmodifiableEntity", m)
            }
            IamError::PolicyNotAttachable(m) => {
                ApiError::new(StatusCode::BAD_REQUEST, "PolicyNotAttachable", m)
            }
            IamError::ReportNotPresent(m) => ApiError::new(StatusCode::GONE, "ReportNotPresent", m),
            IamError::ReportExpired(m) => ApiError::new(StatusCode::GONE, "ReportExpired", m),
            IamError::InvalidUserType(m) => {
                ApiError::new(StatusCode::BAD_REQUEST, "InvalidUserType", m)
            }
            IamError::Store(s) => s.into(),
            IamError::Seal | IamError::Hash => {
                tracing::error!(error = %e, "internal fault");
                ApiError::internal()
            }
        }
    }
}

impl From<fedgate_sts::StsError> for ApiError {
    fn from(e: fedgate_sts::StsError) -> Self {
        use fedgate_sts::StsError as E;
        match e {
            E::Iam(i) => i.into(),
            E::PackedPolicyTooLarge(m) => {
                ApiError::new(StatusCode::BAD_REQUEST, "PackedPolicyTooLarge", m)
            }
            E::InvalidClientTokenId => ApiError::new(
                StatusCode::FORBIDDEN,
                "InvalidClientTokenId",
                "The security token included in the request is invalid.",
            ),
            E::ExpiredToken => ApiError::new(
                StatusCode::BAD_REQUEST,
                "ExpiredToken",
                "The security token included in the request is expired",
            ),
            E::InvalidAuthorizationMessage => ApiError::new(
                StatusCode::BAD_REQUEST,
                "InvalidAuthorizationMessageException",
                "The encoded authorization message is invalid.",
            ),
            // The codes of AssumeRoleWithWebIdentity's errors in STS's Query protocol.
            E::WebIdentity(w) => match w {
                fedgate_oidc::OidcError::Invalid(m) => {
                    ApiError::new(StatusCode::BAD_REQUEST, "InvalidIdentityToken", m)
                }
                fedgate_oidc::OidcError::Expired(m) => {
                    ApiError::new(StatusCode::BAD_REQUEST, "ExpiredTokenException", m)
                }
                fedgate_oidc::OidcError::Unreachable(m) => {
                    ApiError::new(StatusCode::BAD_REQUEST, "IDPCommunicationError", m)
                }
            },
            // AssumeRoleWithSAML's.
            E::Saml(s) => match s {
                fedgate_saml::SamlError::Invalid(m)
                | fedgate_saml::SamlError::InvalidMetadata(m) => {
                    ApiError::new(StatusCode::BAD_REQUEST, "InvalidIdentityToken", m)
                }
                fedgate_saml::SamlError::Expired(m) => {
                    ApiError::new(StatusCode::BAD_REQUEST, "ExpiredTokenException", m)
                }
                fedgate_saml::SamlError::Rejected(m) => {
                    ApiError::new(StatusCode::FORBIDDEN, "IDPRejectedClaim", m)
                }
            },
        }
    }
}

impl From<SigV4Error> for ApiError {
    fn from(e: SigV4Error) -> Self {
        use SigV4Error as E;
        let message = e.to_string();
        let (status, code) = match e {
            E::Missing => (StatusCode::FORBIDDEN, "MissingAuthenticationToken"),
            E::SignatureMismatch | E::ScopeDateMismatch => {
                (StatusCode::FORBIDDEN, "SignatureDoesNotMatch")
            }
            // STS and IAM answer clock skew with SignatureDoesNotMatch "Signature expired: …".
            E::SignatureExpired { .. } | E::SignatureNotYetCurrent { .. } => {
                (StatusCode::FORBIDDEN, "SignatureDoesNotMatch")
            }
            E::PresignExpired => (StatusCode::BAD_REQUEST, "RequestExpired"),
            E::ContentSha256Mismatch => (StatusCode::BAD_REQUEST, "XAmzContentSHA256Mismatch"),
            _ => (StatusCode::BAD_REQUEST, "IncompleteSignature"),
        };
        ApiError::new(status, code, message)
    }
}
