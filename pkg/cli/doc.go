// Package cli holds mimirctl's commands. Commands translate flags into
// options, call the library (pkg/mimirctl) and print its results; they hold
// no cluster logic. The Factory embeds the library's Target, which the
// global flags fill.
//
// The entry point is [Run]; only main calls os.Exit, with the code that
// [ExitCode] maps an error to.
package cli
