// Package fidelity_test proves that the emulator (package sim) answers
// clients that were not written in this project the way those clients
// expect the real services to answer.
//
// Three independent client stacks talk to a running emulator over real
// HTTP, each with its own signer:
//   - the Darabonba OpenAPI client (alibabacloud-go/darabonba-openapi/v2),
//     through its generic CallApi, signing with ACS3-HMAC-SHA256 (v3, its
//     default) and with HMAC-SHA1 (v1, chosen by SignatureAlgorithm "v2");
//     a recording transport proves which signature reached the wire;
//   - denverdino/aliyungo, an older community SDK with its own v1 signer
//     sending GET requests: its ram and sts packages, and its generic
//     common.Client for IMS and ActionTrail, which it has no package for;
//   - the classic SDK (aliyun/alibaba-cloud-sdk-go) with STS credentials
//     minted by the emulator, and its error decoder fed every kind of
//     error body the emulator produces.
//
// For each stack the tests check success shapes field by field (RAM users,
// keys and roles, IMS GetUser by AccessKey id, STS GetCallerIdentity and
// AssumeRole, ActionTrail LookupEvents with EventAccessKeyId and
// NextToken) and the error paths an incident responder meets: unknown
// user, wrong secret, unknown key, disabled key, missing permission,
// delete conflicts. encoding_test.go sends a value full of characters the
// signers encode differently through every stack, in the query and in a
// form body. The classic SDK's decoder, which reads error bodies with
// unchecked type assertions, is fed 26 distinct error codes.
//
// attack_test.go plays a whole incident with the classic SDK: an attacker
// with a leaked key assumes a role and persists through it; the defender
// revokes the role's sessions by deleting and recreating the role; the
// trail then tells the leaked key's calls apart from the session's, and
// holds no secret.
//
// # Client behaviour worth knowing
//
//   - aliyungo's ram.GetUser and ram.GetRole return a nil error and an
//     empty answer on any failure; the error tests call those actions
//     through the client's Invoke, which keeps the error.
//   - Darabonba sets its own headers with lower-case names straight into
//     http.Header; they reach the server correctly, but Header.Get on the
//     client side does not find them.
//   - SignatureDoesNotMatch echoes the server's string to sign, which for
//     STS credentials holds the SecurityToken (percent-encoded twice); the
//     classic SDK puts it in its error text. Callers must not log such
//     errors verbatim (TestSignatureErrorEchoesToken).
//
// # Choices where the reference is unconfirmed
//
// The tests assert what package sim documents for these: a session of a
// role deleted and recreated under the same name answers
// InvalidSecurityToken.Expired (400), like an expired one; a call refused
// for its token still becomes an event under the token's STS key id, with
// its errorCode, so it counts among "the calls made with the token".
package fidelity_test
