package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/respond-sec/respond/playbook"
)

func newPolicyCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "policy",
		Short: "Print the least-privilege RAM policy the responder needs",
		Long: "policy prints the RAM policy document that lets respond do its work and " +
			"nothing more. Create it once as a custom policy and attach it to the " +
			"identity that will respond to incidents:\n\n" +
			"  respond policy > respond-policy.json\n" +
			"  aliyun ram CreatePolicy --PolicyName respond \\\n" +
			"    --PolicyDocument \"$(cat respond-policy.json)\"",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			doc, err := playbook.PolicyDocument(playbook.KeyPermissions())
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.out, "%s\n", doc)
			return err
		},
	}
}
