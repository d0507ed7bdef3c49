package fidelity_test

import (
	"fmt"
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
	dram "github.com/denverdino/aliyungo/ram"

	"github.com/respond-sec/respond/sim"
)

// awkward holds every character class the signers encode differently:
// space (+ or %20), *, ~, reserved punctuation, a percent sign, and
// multi-byte UTF-8.
const awkward = `Zoë O'Neil * ~ +/=&?%20 "ops" 运维`

// TestSignersEncodeAlike creates a user whose DisplayName is awkward with
// each client and signer, in the query and in a form body, and reads it
// back: a canonicalisation the emulator gets wrong fails the signature or
// garbles the name.
func TestSignersEncodeAlike(t *testing.T) {
	inst := startSim(t, scenario())
	type create func(t *testing.T, user string) error
	viaOpenAPI := func(s signer, inForm bool) create {
		return func(t *testing.T, user string) error {
			p := kv{"UserName": user, "DisplayName": awkward}
			c := newOpenAPI(t, inst, s, admin)
			if inForm {
				_, err := c.call(sim.VersionRAM, "CreateUser", nil, p)
				return err
			}
			_, err := c.call(sim.VersionRAM, "CreateUser", p, nil)
			return err
		}
	}
	tests := []struct {
		name string
		run  create
	}{
		{"openapi v3 query", viaOpenAPI(signers[0], false)},
		{"openapi v3 form", viaOpenAPI(signers[0], true)},
		{"openapi v1 query", viaOpenAPI(signers[1], false)},
		{"openapi v1 form", viaOpenAPI(signers[1], true)},
		{"aliyungo GET", func(t *testing.T, user string) error {
			_, err := goRAM(inst, admin).CreateUser(dram.UserRequest{
				User: dram.User{UserName: user, DisplayName: awkward}})
			return err
		}},
		{"classic POST", func(t *testing.T, user string) error {
			req := ram.CreateCreateUserRequest()
			req.UserName, req.DisplayName = user, awkward
			_, err := classicRAM(t, inst, admin).CreateUser(req)
			return err
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user := fmt.Sprintf("enc-%d", i)
			if err := tt.run(t, user); err != nil {
				t.Fatalf("create user: %v", err)
			}
			req := ram.CreateGetUserRequest()
			req.UserName = user
			got, err := classicRAM(t, inst, admin).GetUser(req)
			if err != nil || got.User.DisplayName != awkward {
				t.Fatalf("DisplayName = %q, %v; want %q", got.User.DisplayName, err, awkward)
			}
		})
	}
}
