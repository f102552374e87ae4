// Package servetest starts the HTTP example programs of package serve in
// their tests.
package servetest
