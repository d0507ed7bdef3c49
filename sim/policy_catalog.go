package sim

import (
	"sort"
	"time"
)

// systemEntry is one row of the system policy catalogue.
type systemEntry struct {
	name        string
	description string
	version     string
	created     string
	document    string
}

// systemCatalogue lists the system policies the emulator knows. Documents
// use the real services' action prefixes (ram, sts, actiontrail, ecs, oss,
// vpc, log, ims) so that evaluation behaves as it would in the cloud.
var systemCatalogue = []systemEntry{
	{"AdministratorAccess", "Full access to every Alibaba Cloud service and resource.",
		"v1", "2015-04-28T16:00:00Z",
		`{"Statement":[{"Action":"*","Effect":"Allow","Resource":"*"}],"Version":"1"}`},
	{"ReadOnlyAccess", "Read-only access to every Alibaba Cloud service and resource.",
		"v22", "2015-04-28T16:00:00Z",
		`{"Statement":[{"Action":["*:Describe*","*:List*","*:Get*","*:BatchGet*",` +
			`"*:Query*","*:BatchQuery*","*:Lookup*"],"Effect":"Allow","Resource":"*"}],` +
			`"Version":"1"}`},
	{"AliyunRAMFullAccess", "Full access to Resource Access Management (RAM): users, " +
		"groups, roles, policies and AccessKeys.", "v2", "2015-04-28T16:00:00Z",
		`{"Statement":[{"Action":"ram:*","Effect":"Allow","Resource":"*"},` +
			`{"Action":"ims:*","Effect":"Allow","Resource":"*"}],"Version":"1"}`},
	{"AliyunRAMReadOnlyAccess", "Read-only access to Resource Access Management (RAM).",
		"v2", "2015-04-28T16:00:00Z",
		`{"Statement":[{"Action":["ram:Get*","ram:List*","ims:Get*","ims:List*"],` +
			`"Effect":"Allow","Resource":"*"}],"Version":"1"}`},
	{"AliyunSTSAssumeRoleAccess", "Permission to call AssumeRole of the Security Token " +
		"Service (STS).", "v1", "2015-12-08T09:00:00Z",
		`{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Resource":"*"}],` +
			`"Version":"1"}`},
	{"AliyunActionTrailFullAccess", "Full access to ActionTrail.", "v3",
		"2017-12-04T08:00:00Z",
		`{"Statement":[{"Action":"actiontrail:*","Effect":"Allow","Resource":"*"},` +
			`{"Action":["oss:GetBucket*","oss:ListBuckets","log:GetProject",` +
			`"log:ListProject","ram:ListRoles","ram:GetRole"],"Effect":"Allow",` +
			`"Resource":"*"}],"Version":"1"}`},
	{"AliyunActionTrailReadOnlyAccess", "Read-only access to ActionTrail.", "v2",
		"2017-12-04T08:00:00Z",
		`{"Statement":[{"Action":["actiontrail:Describe*","actiontrail:Get*",` +
			`"actiontrail:List*","actiontrail:Lookup*"],"Effect":"Allow",` +
			`"Resource":"*"}],"Version":"1"}`},
	{"AliyunECSFullAccess", "Full access to Elastic Compute Service (ECS).", "v5",
		"2015-04-28T16:00:00Z",
		`{"Statement":[{"Action":"ecs:*","Effect":"Allow","Resource":"*"},` +
			`{"Action":["vpc:DescribeVpcs","vpc:DescribeVSwitches"],"Effect":"Allow",` +
			`"Resource":"*"}],"Version":"1"}`},
	{"AliyunECSReadOnlyAccess", "Read-only access to Elastic Compute Service (ECS).",
		"v3", "2015-04-28T16:00:00Z",
		`{"Statement":[{"Action":["ecs:Describe*","ecs:List*"],"Effect":"Allow",` +
			`"Resource":"*"}],"Version":"1"}`},
	{"AliyunOSSFullAccess", "Full access to Object Storage Service (OSS).", "v1",
		"2015-04-28T16:00:00Z",
		`{"Statement":[{"Action":"oss:*","Effect":"Allow","Resource":"*"}],"Version":"1"}`},
	{"AliyunOSSReadOnlyAccess", "Read-only access to Object Storage Service (OSS).",
		"v1", "2015-04-28T16:00:00Z",
		`{"Statement":[{"Action":["oss:Get*","oss:List*"],"Effect":"Allow",` +
			`"Resource":"*"}],"Version":"1"}`},
	{"AliyunLogFullAccess", "Full access to Simple Log Service (SLS).", "v1",
		"2016-01-25T08:00:00Z",
		`{"Statement":[{"Action":"log:*","Effect":"Allow","Resource":"*"}],"Version":"1"}`},
}

// SystemPolicy returns the system policy of that name, nil when the
// catalogue has none. Each call returns a fresh copy the caller may keep.
func SystemPolicy(name string) *Policy {
	for _, e := range systemCatalogue {
		if e.name == name {
			return e.policy()
		}
	}
	return nil
}

// systemPolicyNames lists the catalogue's names in sorted order.
func systemPolicyNames() []string {
	names := make([]string, 0, len(systemCatalogue))
	for _, e := range systemCatalogue {
		names = append(names, e.name)
	}
	sort.Strings(names)
	return names
}

func (e systemEntry) policy() *Policy {
	created, _ := time.Parse(dateLayout, e.created)
	return &Policy{
		Name:           e.name,
		Type:           policySystem,
		Description:    e.description,
		DefaultVersion: e.version,
		Versions: []PolicyVersion{
			{ID: e.version, Document: e.document, CreateDate: created},
		},
		CreateDate: created,
		UpdateDate: created,
	}
}
