// Package tui draws the suite's full-screen views (gping --graph,
// gtraceroute --live) and its one-line progress indicator, on
// gdamore/tcell/v2: pure Go (CGO_ENABLED=0 builds), terminfo built in, and a
// SimulationScreen on which tests render frames and compare them with
// golden files.
//
// A tool keeps its model behind an App: the probe loop changes it through
// App.Update, the App redraws at most ten times a second, and keys come to
// the View. The probe engines never see any of it: a view is one more
// implementation of a tool's printer.
package tui
