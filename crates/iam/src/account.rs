//! Account-level actions: aliases, GetAccountSummary, GetAccountAuthorizationDetails, further accounts.
