// Command consul is a build of HashiCorp Consul's command-line program from its Go module,
// pinned in go.mod, for tresor's tests and local clusters where no consul binary is installed.
// It only wires Consul's registered commands into a mitchellh/cli runner; the behaviour is
// entirely Consul's own.
package main

import (
	"fmt"
	"io"
	"log"
	"os"
	"sort"

	mcli "github.com/mitchellh/cli"

	"github.com/hashicorp/consul/command"
	consulcli "github.com/hashicorp/consul/command/cli"
	"github.com/hashicorp/consul/command/version"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	// Consul's commands log through their own loggers; silence the standard library's default.
	log.SetOutput(io.Discard)

	ui := &consulcli.BasicUI{BasicUi: mcli.BasicUi{Writer: os.Stdout, ErrorWriter: os.Stderr}}
	commands := command.RegisteredCommands(ui)
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)

	runner := &mcli.CLI{
		Name:         "consul",
		Args:         args,
		Commands:     commands,
		Autocomplete: true,
		HelpFunc:     mcli.FilteredHelpFunc(names, mcli.BasicHelpFunc("consul")),
		HelpWriter:   os.Stdout,
		ErrorWriter:  os.Stderr,
	}
	if runner.IsVersion() {
		return version.New(ui).Run(nil)
	}
	code, err := runner.Run()
	if err != nil {
		fmt.Fprintf(os.Stderr, "consul: %v\n", err)
		return 1
	}
	return code
}
