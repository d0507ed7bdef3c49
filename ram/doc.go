// Package ram is what the responder does to RAM, IMS and STS, in its own
// terms: who is calling, who owns an AccessKey, what that owner holds, and
// setting a key's status or deleting it. Each function makes the fewest
// calls that answer its question, runs independent reads in parallel, and
// returns typed results; cloud errors come back as *cloud.Error so callers
// classify them with errors.Is and keep the RequestId.
//
// Nothing here decides whether an action is wise; the guards live in the
// playbook. Nothing here prints.
package ram
