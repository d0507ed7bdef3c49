// Command respond contains a leaked Alibaba Cloud AccessKey. See README.md.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], streams{in: os.Stdin, out: os.Stdout, err: os.Stderr}))
}
