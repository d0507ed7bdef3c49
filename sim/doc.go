// Package sim is a local emulator of the Alibaba Cloud RAM, IMS, STS and
// ActionTrail RPC APIs. Real clients talk to it over HTTP with real
// signatures; it keeps accounts, users, keys, roles, policies, tokens and an
// audit trail in memory, and answers with the service's JSON shapes and
// error codes.
package sim
