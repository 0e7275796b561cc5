// Package cli holds what every gridd command shares and none owns: flag
// sets that print their usage to the command's error stream, commands that
// take their flags before or after their file arguments, tables of
// subcommands with a usage listing, input files or standard input, flag
// values of the types people type (RFC 3339 times), and JSON reports.
//
// The commands themselves — their flags and how they wire the capability
// packages together — stay in cmd/gridd; the harnesses of gridd bench own
// their subcommands (package bench). This package has no project imports.
package cli
