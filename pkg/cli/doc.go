// Package cli holds mimirctl's commands. Commands translate flags into
// options, call the library (pkg/mimirctl) and print its results; they hold
// no cluster logic. The Factory embeds the library's Target, which the
// global flags fill.
//
// Every command follows kubectl's pattern, in two layers:
//
//	type XOptions struct{ Factory *Factory; ... }   // the parsed command line
//	func NewCmdX(f *Factory, runF func(ctx context.Context, opts *XOptions) error) *cobra.Command
//	func runX(ctx context.Context, opts *XOptions) error
//
// The parse layer is NewCmdX: its flags fill an XOptions, and its RunE
// takes the arguments, completes what the flags give (e.g. --param
// name=value into a map) and refuses a wrong command line (a missing
// --env, an unknown --apply-mode, a --until that is not a time), then
// calls runF. It reads no clock and reaches no cluster, so its tests
// (cmd_parse_test.go, cmd_run_parse_test.go) pass their own runF to
// capture the options. The run layer, runX (runF when nil), makes the
// library call with the options and prints the result: text, or JSON
// with -o json. Commands that group others (plans, ingester) are
// NewCmdX(f) and run nothing. NewRootCmd puts the tree together with runF
// nil.
//
// The Factory is lazy: its Target connects to the API server, builds pod
// access and the state store on the first call that needs them, and the
// clock, binder and built-in plans are used only by run layers and shell
// completion (factory_test.go checks that parsing any command touches
// none of them).
//
// The entry point is [Run]; only main calls os.Exit, with the code that
// [ExitCode] maps an error to.
package cli
