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
// Every routed call (a known Action and Version) whose AccessKeyId
// resolves becomes an ActionTrail event, failures included; requests that
// cannot be routed or parsed are answered with their error code and leave
// only a call log record; RAM, IMS and STS events are global and stored
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
//   - Eventual consistency is one knob, the fault set's consistency delay
//     (0 by default): DeleteRole conflicts for that long after the last
//     detach, and ListAccessKeys (RAM and IMS) shows a key's previous
//     status for that long after UpdateAccessKey. Authentication always
//     sees the new status at once.
//   - AssumeRole's event has eventRW Write. Events of writes keep the whole
//     answer (without secrets) in responseElements, reads only the
//     RequestId. acsRegion of global events is cn-hangzhou.
//     sessionContext.attributes carries mfaAuthenticated ("false") and the
//     token's creationDate.
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
//
// # RAM, IMS and the policy evaluator
//
// RAM 2015-05-01 and IMS 2019-08-15 act on the caller's own account. The
// front authorises every call before its handler runs, through
// World.Authorize, as "<product code>:<Action>" on the ARN the endpoint
// names; IMS is RAM's identity service, so IMS calls are authorised as
// ram:<Action> on the same user ARNs. The account root is always allowed;
// a RAM user by its own and its groups' policies; a role session by the
// role's policies as they are at call time, intersected with the session
// policy. Deny wins. Handlers check everything before they change state.
//
// # Choices where the reference is unconfirmed
//
// Authorisation and policies:
//   - Resources: acs:ram::<account>:user/<name>, group/<name>, role/<name>,
//     policy/<name>; "<kind>/*" for list calls; the caller's own ARN (user,
//     or "root") for key calls without UserName. Attach, detach and
//     list-for calls name the user, group or role, not the policy.
//   - Actions match case-insensitively; resources and names (user, group,
//     role, policy) are case-sensitive. A role ARN keeps the name's case.
//   - Resolved condition keys: acs:SourceIp, acs:CurrentTime, acs:AccessId,
//     acs:UserAgent, and acs:MFAPresent (always false for API calls). Any
//     other key (acs:SecureTransport, acs:SourceVpc, …) makes its statement
//     not match, for Allow and Deny alike. Operators: String(Not)Equals,
//     String(Not)EqualsIgnoreCase, String(Not)Like, Numeric*, Date*, Bool,
//     (Not)IpAddress; any other operator is MalformedPolicyDocument.
//   - Documents: Version must be "1"; Statement may be an array or one
//     object; Sid is accepted, unknown elements are rejected. Permission
//     policies are limited to 6144 characters
//     (InvalidParameter.PolicyDocument.Length), trust policies to 4096
//     (InvalidParameter.AssumeRolePolicyDocument.Length).
//   - Trust policies: Principal.RAM "acs:ram::<acct>:root" trusts every RAM
//     user and every role session of that account, never the root identity
//     (which cannot assume roles); user/<name> and role/<name> trust that
//     user or that role's sessions; Service and Federated never match an
//     API caller. Conditions there resolve sts:ExternalId, acs:AccessId and
//     acs:CurrentTime only.
//   - AccessDeniedDetail: PolicyType is AccountLevelIdentityBasedPolicy, or
//     AssumeRoleSessionPolicy when the session policy denies; the display
//     name is the user name or "<role>:<session>"; EncodedDiagnosticMessage
//     is base64 JSON of action, resource, principal and decision.
//   - The system policy catalogue (SystemPolicy) holds documents written for
//     the emulator with the services' real action prefixes, not copies.
//
// Users, keys, groups, policies, roles:
//   - A missing mandatory parameter is MissingParameter (400), though RAM's
//     metadata marks none as required.
//   - DeleteAccessKey refuses an Active key: Forbidden.AccessKey.Active
//     (403). A bad Status is InvalidParameter.Status (400); only Active and
//     Inactive, exactly so spelt, are accepted. A key of another user is
//     EntityNotExist.User.AccessKey (404). The root's keys count against the
//     same quota of 2. A role session must name UserName in key calls
//     (MissingParameter otherwise).
//   - DeleteUser answers DeleteConflict.User.AccessKey, .LoginProfile,
//     .Group, .Policy, checked in that order; DeleteGroup
//     DeleteConflict.Group.User or .Policy; DeletePolicy
//     DeleteConflict.Policy.User, .Group, .Role, or .Version while versions
//     other than the default remain; deleting the default version is
//     DeleteConflict.Policy.DefaultVersion. All 409.
//   - Attach twice: EntityAlreadyExists.<Kind>.Policy (409); detach what is
//     not attached: EntityNotExist.<Kind>.Policy (404). Quotas are the
//     current ones, with codes LimitExceeded.User, .Group, .Role, .Policy,
//     .User.Group, .<Kind>.Policy, .Policy.Version (409).
//   - Console passwords must be 8 to 32 characters (InvalidParameter.Password)
//     and are never stored. Text limits: DisplayName, Email, Comments 128,
//     MobilePhone 32, Description 1024 (InvalidParameter.<Param>.Length).
//   - Lists are sorted by name; Marker is opaque (base64 of the next name);
//     bad MaxItems or Marker is InvalidParameter.MaxItems / .Marker.
//     ListPolicyVersions lists oldest first.
//   - GetAccessKeyLastUsed leaves LastUsedDate out for a key never used;
//     IMS's ServiceName is the product code of the key's last call.
//
// IMS:
//   - GetUser needs exactly one of UserPrincipalName, UserId and
//     UserAccessKeyId (InvalidParameter otherwise). A root key, an STS key,
//     another account's key or principal name, and an unknown one all
//     answer EntityNotExist.User (404); a name without "@<alias>.onaliyun.com"
//     is InvalidParameter.UserPrincipalName (400).
//   - Emulated users are all "active" and carry no tags: ListUsers with
//     Status "freeze" or any Tag filter returns nobody.
//   - ListGroupsForUser and GetLoginProfile require UserPrincipalName; the
//     key calls fall back to the caller when it is omitted.
package sim
