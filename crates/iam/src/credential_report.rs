//! The credential report: GenerateCredentialReport/GetCredentialReport in AWS's CSV columns.
