// Package cli holds mimirctl's commands. Commands translate flags into
// options and call into the domain packages; they hold no cluster logic.
//
// The entry point is [Run]; only main calls os.Exit, with the code that
// [ExitCode] maps an error to.
package cli
