// Package cloud builds the Alibaba Cloud SDK clients the responder acts
// through, and owns everything about talking to the cloud that ram/ and
// actiontrail/ share: the responder's own credentials (the credentials-go
// default chain, a CLI profile, or an STS role assumed on top of either),
// the endpoint override that points every product at one base URL (the
// emulator), the retry policy, and the typed errors the playbook branches on.
//
// Guarantees: a secret never leaves this package in a string. Credentials
// travel inside the SDK only; Secret prints as [redacted] in every format;
// errors drop the part of a signature-mismatch message that echoes the
// signed request (it can hold a security token).
package cloud
