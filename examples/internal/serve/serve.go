package serve

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/memstore"
	"github.com/openslot/openslot/store/pgstore"
)

// DatabaseEnv names the environment variable read when -postgres is not
// given.
const DatabaseEnv = "OPENSLOT_DATABASE_URL"

// Program is one example program.
type Program struct {
	// Name names the program in its flags and messages.
	Name string
	// Addr is the address it listens on unless -addr says otherwise.
	Addr string
	// WriteTimeout bounds the writing of one response; 0 means 30s.
	WriteTimeout time.Duration
	// Setup seeds the demo data through s and returns the handler to serve
	// at root (http://host:port). Work it starts in the background must end
	// with ctx, which ends when Run returns.
	Setup func(ctx context.Context, s *openslot.Scheduler, root string, log *slog.Logger) (http.Handler, error)
	// Usage prints how to call the program served at root, on the store
	// named storeName ("in memory" or "PostgreSQL").
	Usage func(out io.Writer, root, storeName string)
}

// Main runs the program as a command: until SIGINT or SIGTERM, with the
// command line and the environment, exiting with status 1 on an error.
func (p Program) Main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := p.Run(ctx, os.Args[1:], os.Getenv, os.Stdout, nil); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", p.Name, err)
		stop()
		os.Exit(1)
	}
}

// Run parses args (-addr, -postgres), opens the store (the URL from
// getenv(DatabaseEnv) when -postgres is not given; in memory when there is
// none), sets the program up and serves it until ctx ends. Usage and the
// final "stopped" line go to out; -h prints the flags there and returns
// nil without serving. When ready is not nil it receives the
// address the server listens on, once it accepts connections.
func (p Program) Run(ctx context.Context, args []string, getenv func(string) string, out io.Writer, ready chan<- string) error {
	fs := flag.NewFlagSet(p.Name, flag.ContinueOnError)
	fs.SetOutput(out)
	addr := fs.String("addr", p.Addr, "address to listen on")
	dbURL := fs.String("postgres", "", "PostgreSQL URL (default $"+DatabaseEnv+"; empty: in memory)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil // -h printed the flags: not a failure
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *dbURL == "" {
		*dbURL = getenv(DatabaseEnv)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	st, storeName, err := OpenStore(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer st.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close() // when Setup fails; Shutdown closes it otherwise
	root := "http://" + ln.Addr().String()
	appCtx, stopApp := context.WithCancel(ctx)
	defer stopApp()
	handler, err := p.Setup(appCtx, openslot.New(st, &openslot.Options{Logger: log}), root, log)
	if err != nil {
		return err
	}
	writeTimeout := p.WriteTimeout
	if writeTimeout == 0 {
		writeTimeout = 30 * time.Second
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: writeTimeout, IdleTimeout: time.Minute}
	p.Usage(out, root, storeName)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Fprintf(out, "%s: stopped\n", p.Name)
	return nil
}

// OpenStore returns the in-memory store when url is empty, else a
// PostgreSQL store on a pool of its own, migrated to the current schema,
// with the store's name for messages. Closing the store releases it.
func OpenStore(ctx context.Context, url string) (st store.Store, name string, err error) {
	if url == "" {
		return memstore.New(nil), "in memory", nil
	}
	ps, err := pgstore.Open(ctx, url, nil)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: %w", err)
	}
	return ps, "PostgreSQL", nil
}
