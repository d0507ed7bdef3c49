// Package sim is a local emulator of the Alibaba Cloud RAM, IMS, STS and
// ActionTrail RPC APIs. Real clients talk to it over HTTP with real
// signatures; it keeps accounts, users, keys, roles, policies, tokens and an
// audit trail in memory, and answers with the service's JSON shapes and
// error codes.
//
// # Running it
//
// Start listens (127.0.0.1 on a free port by default), builds the world from
// a state file, a Scenario (JSON, see LoadScenario, or DemoScenario) or a
// bare account with a sim-admin user, and serves until Instance.Close,
// which shuts down gracefully and saves the state file (atomic write,
// mode 0600). Instance.Ready is the line `respond sim serve` prints. With
// Options.TLS it serves HTTPS under a self-signed CA written to
// Instance.CAFile.
//
// # What the front guarantees
//
// One listener serves every product. A call is routed by Action and Version
// (query, form body or x-acs-action/x-acs-version headers); query and form
// body are merged and both signed. Signatures v1 (HMAC-SHA1) and v3
// (ACS3-HMAC-SHA256) are verified, timestamps must be within 15 minutes of
// the wall clock and a nonce is refused if seen in the last 30 minutes for
// the same key. Every error is the gateway envelope {RequestId, HostId,
// Code, Message, Recommend[, AccessDeniedDetail]} with string fields only,
// so that the classic SDK's unchecked type assertions hold; no request, of
// any shape, crashes the front (see the fuzzers). Each routed call runs
// under the world lock, so API calls are atomic with respect to each other.
//
// Every answered call whose AccessKeyId resolves becomes an ActionTrail
// event, failures included; RAM, IMS and STS events are global and stored
// in cn-hangzhou, ActionTrail's own in the region called. Events never
// hold Signature, SecurityToken, passwords or secrets.
//
// # Test hooks
//
// The admin API under /_sim/ (state dump, call log, event injection,
// faults, clock) is unauthenticated: it is a test hook for a loopback
// emulator and can never be reached through the signed RPC path, nor run
// an action. GET /_sim/state includes secrets only with ?secrets=1. The
// emulated clock (token expiry, event times, visibility) only moves
// forward; signature freshness and throttle buckets use the wall clock,
// because clients sign with theirs.
//
// # Choices where the reference is unconfirmed
//
//   - InvalidAccessKeyId.Inactive, InvalidSecurityToken.*, and
//     MissingSecurityToken answer HTTP 400.
//   - A token whose role was deleted, or deleted and recreated (the role of
//     that name has another RoleId), answers InvalidSecurityToken.Expired.
//   - SignatureDoesNotMatch is 400; signature checks come before the key's
//     status, so an unsigned request learns nothing about a key; a failed
//     call does not count as a use of the key.
//   - Missing Action or Version: MissingParameter; unknown Version:
//     InvalidVersion (400); unknown action: InvalidAction.NotFound (404);
//     methods other than GET and POST: UnsupportedHTTPMethod (405);
//     malformed, repeated, oversized (over 32 KiB) or too many (over 256)
//     parameters, and bodies over 256 KiB: InvalidParameter (400); an
//     ActionTrail call to a region not served: InvalidRegionId (400).
//   - Missing v1 signature parameters: MissingParameter naming it; missing
//     Signature, another SignatureMethod or SignatureVersion, or a v3
//     Authorization that does not sign host, x-acs-action, x-acs-date and
//     x-acs-signature-nonce: IncompleteSignature. A badly formed
//     timestamp: InvalidTimeStamp.Format.
//   - The root account calling AssumeRole gets NoPermission (403) "Roles may
//     not be assumed by root accounts."; a missing RoleArn or
//     RoleSessionName is MissingParameter. Role names in ARNs match
//     case-insensitively. A session's duration defaults to 3600 s (or the
//     role's maximum if lower) and role chaining keeps the same limits.
//   - AssumeRole's event has eventRW Write. Events of writes keep the whole
//     answer (without secrets) in responseElements, reads only the
//     RequestId. acsRegion of global events is cn-hangzhou.
//     sessionContext carries mfaAuthenticated only: the state model keeps
//     no token creation time.
//   - LookupEvents: MaxResults defaults to 20; out-of-range MaxResults,
//     windows over 90 days, unknown or case-mismatched LookupAttribute
//     keys, pairs outside the documented combinations (so EventAccessKeyId
//     stands alone), bad Direction and a NextToken that does not match the
//     other parameters are InvalidQueryParameter; StartTime without EndTime
//     is InvalidParameterCombination. The default window and the one in a
//     NextToken are pinned at the first page. SensitiveAction=true selects
//     changes to identities, keys and permissions. RoleName matches the
//     role of an assumed-role identity.
//   - GetAccessKeyLastUsed*: a key neither held by the caller's account nor
//     seen in its trail answers EntityNotExist.AccessKey (404) "The
//     AccessKey does not exist."; AccountId and OwnerId are the account id;
//     Events, Ips, Resources and Products list distinct values with their
//     latest use, newest first; ServiceName matches case-insensitively;
//     NextToken is an opaque offset. Data is the trail's (kept 400 days),
//     visible after the trail delay rather than hourly.
//   - Answers are always JSON, whatever Format asks for.
//   - GetGlobalEventsStorageRegion answers {StorageRegion: "cn-hangzhou"}.
//   - Throttling limits are per API and per account, in a one-second token
//     bucket; RAM, IMS and STS GetCallerIdentity get 100 calls a second.
package sim
