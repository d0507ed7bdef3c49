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
