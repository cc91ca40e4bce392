package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"google.golang.org/api/option"

	"github.com/runlens/runlens/internal/apply"
	"github.com/runlens/runlens/internal/auth"
	"github.com/runlens/runlens/internal/demo"
	"github.com/runlens/runlens/internal/handlers"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/notify"
	"github.com/runlens/runlens/internal/par"
	"github.com/runlens/runlens/internal/posture"
	"github.com/runlens/runlens/internal/review"
	"github.com/runlens/runlens/internal/rules"
	"github.com/runlens/runlens/internal/store"
)

// envOr returns the environment value of key, or def.
func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

func newLogger(w io.Writer, dev bool) *slog.Logger {
	if dev {
		return slog.New(slog.NewTextHandler(w, nil))
	}
	// Cloud Logging reads "severity" and "message".
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) > 0 {
			return a
		}
		switch a.Key {
		case slog.LevelKey:
			// Cloud Logging's names: WARNING, not slog's WARN; CRITICAL
			// above ERROR (alerts).
			lvl, _ := a.Value.Any().(slog.Level)
			return slog.String("severity", notify.CloudSeverity(lvl))
		case slog.MessageKey:
			a.Key = "message"
		}
		return a
	}}))
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var src source
	src.register(fs)
	var scopes multiFlag
	fs.Var(&scopes, "scope", "sync live from organizations/N, folders/N or projects/P (repeatable; Application Default Credentials)")
	syncEvery := fs.Duration("sync-every", 0, "sync the source this often in the background (e.g. 6h); 0: only at start and on request")
	port := envOr(getenv, "PORT", "8080")
	db := fs.String("db", envOr(getenv, "RUNLENS_DB", "runlens.db"), "SQLite database file (env RUNLENS_DB)")
	addr := fs.String("addr", envOr(getenv, "RUNLENS_ADDR", ":"+port), "listen address HOST:PORT (env RUNLENS_ADDR; default :$PORT)")
	audience := fs.String("iap-audience", getenv("RUNLENS_IAP_AUDIENCE"), "IAP audience (env RUNLENS_IAP_AUDIENCE): /projects/NUM/locations/REGION/services/NAME for IAP on Cloud Run, /projects/NUM/global/backendServices/ID behind a load balancer; required unless --dev-user")
	devUser := fs.String("dev-user", getenv("RUNLENS_DEV_USER"), "dev mode: skip IAP and act as this email; loopback addresses only. A comma-separated list adds identities a request may act as with the header X-Runlens-Dev-User (to try the two-person approval locally)")
	firstAdmin := fs.String("first-admin", getenv("RUNLENS_FIRST_ADMIN"), "email whose account becomes admin on sign-in while no user is admin (env RUNLENS_FIRST_ADMIN)")
	keep := fs.Int("keep", 90, "complete snapshots to keep for trends (0 keeps all)")
	approvalTTL := fs.Duration("approval-ttl", 72*time.Hour, "how long an approval of a change set stays valid")
	rateLimit := fs.Float64("rate-limit", 20, "requests per second one signed-in identity may make (negative: no limit)")
	applyAs := fs.String("apply-as", getenv("RUNLENS_APPLY_AS"), "turn apply on: the applier service account runlens impersonates to apply approved change sets (env RUNLENS_APPLY_AS); off when empty. "+
		"Tests only: with env RUNLENS_APPLY_EMULATOR=HOST:PORT, apply sends every Google API call to that gRPC server instead, in plaintext and without credentials")
	applyEmulator := getenv("RUNLENS_APPLY_EMULATOR")
	feedSub := fs.String("feed-subscription", getenv("RUNLENS_FEED_SUBSCRIPTION"), "pull Cloud Asset Inventory feed notifications from this Pub/Sub subscription, projects/P/subscriptions/S (env RUNLENS_FEED_SUBSCRIPTION): changes are applied within seconds and alerted on")
	alertSev := fs.String("alert-severity", envOr(getenv, "RUNLENS_ALERT_SEVERITY", "high"), "the least severe new finding that alerts (low, medium, high, critical); drift events always do")
	consoleURL := fs.String("console-url", getenv("RUNLENS_CONSOLE_URL"), "the console's address as people open it (env RUNLENS_CONSOLE_URL), for the links in webhook messages; none when empty")
	feedFold := fs.Duration("feed-fold", time.Hour, "with --feed-subscription, store the state the feed changed as a snapshot this often (a point of the trend)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dev := *devUser != ""
	log := newLogger(stderr, dev)
	var verifier *auth.Verifier
	if dev {
		if err := auth.CheckDevAddr(*addr); err != nil {
			return fmt.Errorf("serve: --dev-user needs a loopback --addr such as 127.0.0.1:8080: %w", err)
		}
	} else {
		if *audience == "" {
			return errors.New("serve: production mode needs --iap-audience (or RUNLENS_IAP_AUDIENCE); for local use pass --dev-user EMAIL with a loopback --addr")
		}
		var err error
		if verifier, err = auth.NewVerifier(ctx, *audience); err != nil {
			return err
		}
	}
	// Syncs run beside the console: they keep one CPU free for the people
	// using it (on one CPU there is nothing to keep).
	par.Reserve(1)
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	// A snapshot a killed predecessor was storing is marked and cleared
	// before this process writes (it owns the database from here on).
	if ids, err := st.RecoverInterrupted(ctx); err != nil {
		return err
	} else if len(ids) > 0 {
		log.Warn("a sync was interrupted while storing its snapshot; marked failed and its partial data removed", "snapshots", ids)
	}
	roles, err := iam.Predefined()
	if err != nil {
		return err
	}
	ps := posture.New(st, roles, log, *keep)
	minSev, err := rules.ParseSeverity(*alertSev)
	if err != nil {
		return fmt.Errorf("serve: --alert-severity: %w", err)
	}
	if *feedSub != "" && !feedSubscriptionRE.MatchString(*feedSub) {
		return fmt.Errorf("serve: --feed-subscription %q is not projects/PROJECT/subscriptions/SUBSCRIPTION", *feedSub)
	}
	ps.SetAlerts(posture.AlertOptions{MinSeverity: minSev, Send: alertSender(ctx, st, log, *consoleURL)})
	var applier review.Applier
	if *applyAs != "" {
		var opts []option.ClientOption
		if applyEmulator != "" {
			opts, err = apply.EmulatorOptions(applyEmulator)
		} else {
			opts, err = apply.ImpersonatedOptions(ctx, *applyAs)
		}
		if err != nil {
			return fmt.Errorf("serve: --apply-as: %w", err)
		}
		a, err := apply.New(ctx, apply.OptionsForAll(opts...))
		if err != nil {
			return fmt.Errorf("serve: --apply-as: %w", err)
		}
		defer a.Close()
		applier = a
		if applyEmulator != "" {
			log.Warn("APPLY GOES TO AN EMULATOR, NOT TO GOOGLE CLOUD: RUNLENS_APPLY_EMULATOR is set; approved change sets are applied to the gRPC server at this address, in plaintext and without credentials",
				"emulator", applyEmulator, "applier", *applyAs)
		}
		log.Info("apply is on", "applier", *applyAs)
	} else if applyEmulator != "" {
		log.Warn("RUNLENS_APPLY_EMULATOR is set but apply is off (no --apply-as); ignoring it", "emulator", applyEmulator)
	}
	rv := review.New(st, applier, *approvalTTL)
	// An apply this process's predecessor started and never finished is
	// failed now, before anything is served (whether apply is on or not).
	interrupted, err := rv.FailInterrupted(ctx)
	if err != nil {
		return err
	}
	for _, id := range interrupted {
		log.Warn("change set apply was interrupted by a stop of runlens; marked failed: check the live policies it names, then propose again", "change_set", id)
	}
	ps.OnSynced(func(ctx context.Context, c *posture.Current) error { return rv.Verify(ctx, c.Report, c.Snapshot.ID) })
	devUsers := []string{""}
	if *devUser != "" {
		if devUsers = strings.FieldsFunc(*devUser, func(r rune) bool { return r == ',' || r == ' ' }); len(devUsers) == 0 {
			return fmt.Errorf("serve: --dev-user %q names no email", *devUser)
		}
	}
	cfg := handlers.Config{DevUser: devUsers[0], DevAlsoUsers: devUsers[1:], FirstAdmin: *firstAdmin, RateLimit: *rateLimit}
	if src.demo {
		if err := seedDemoHistory(ctx, st, ps); err != nil {
			return err
		}
	}
	switch {
	case len(scopes) > 0 && src.given():
		return errors.New("serve: give either --scope (live) or --input/--demo/--demo-size/--bigquery, not both")
	case len(scopes) > 0:
		cfg.SyncSource, cfg.SyncReader = "live: "+strings.Join(scopes, ", "), liveReader(scopes, stderr)
	case src.given():
		if err := src.check(); err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		cfg.SyncSource = src.describe()
		cfg.SyncReader = src.reader(stderr)
	}
	if cfg.SyncReader != nil {
		if _, err := ps.Sync(ctx, cfg.SyncSource, cfg.SyncReader); err != nil {
			if errors.Is(err, inventory.ErrNoRecords) {
				// Inputs that hold no inventory at all are a mistake to
				// stop at, not a sync to retry (exit status 2).
				return err
			}
			log.Error("initial sync failed; serving the previous snapshot if any", "err", err)
		}
	}
	if _, err := ps.Current(); err != nil {
		if err := ps.Load(ctx); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	if *syncEvery > 0 && cfg.SyncReader != nil {
		go func() {
			t := time.NewTicker(*syncEvery)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					if err := ps.StartSync(cfg.SyncSource, cfg.SyncReader); err != nil {
						log.Warn("scheduled sync not started", "err", err)
					}
				}
			}
		}()
	}
	if *feedSub != "" {
		stop, err := startFeed(ctx, *feedSub, ps, log, *feedFold)
		if err != nil {
			return err
		}
		defer stop()
	}
	h, err := handlers.New(ps, rv, st, verifier, cfg, log)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Addr: *addr, Handler: h.Routes(),
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 120 * time.Second, IdleTimeout: 120 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	url := "http://" + ln.Addr().String()
	if dev {
		fmt.Fprintf(stdout, "runlens: serving %s in DEV MODE as %s (no IAP)\n", url, strings.Join(devUsers, ", "))
	}
	log.Info("serving", "addr", ln.Addr().String(), "dev", dev)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// seedDemoHistory stores the demo organization's earlier states as dated
// snapshots, oldest first, when the database has none yet, so the trend is
// visible on the first run.
func seedDemoHistory(ctx context.Context, st *store.Store, ps *posture.Service) error {
	if list, err := st.Snapshots(ctx, 1); err != nil || len(list) > 0 {
		return err
	}
	base, err := readFS(demo.FS())
	if err != nil {
		return err
	}
	now := time.Now()
	for _, h := range demo.History() {
		over, err := readFS(h.FS)
		if err != nil {
			return err
		}
		inv := inventory.Overlay(base, over)
		at := now.AddDate(0, 0, -7*h.WeeksAgo)
		if _, err := ps.Backfill(ctx, fmt.Sprintf("demo (%d weeks ago)", h.WeeksAgo), at,
			func(context.Context, func(posture.ReadProgress)) (*inventory.Inventory, error) { return inv, nil }); err != nil {
			return err
		}
	}
	return nil
}

func readFS(fsys fs.FS) (*inventory.Inventory, error) {
	r := inventory.NewReader()
	if err := r.ReadFS(fsys); err != nil {
		return nil, err
	}
	return r.Inventory(), nil
}
