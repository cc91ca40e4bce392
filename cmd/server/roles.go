package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	iamapi "google.golang.org/api/iam/v1"

	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
)

// runRoles refreshes the predefined role catalog from the live IAM API
// (Application Default Credentials) into a file in the embedded format. The
// file is written beside the target and renamed into place, so a failure
// leaves the old catalog whole.
func runRoles(ctx context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("roles", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "write the catalog here (e.g. internal/iam/data/gcp-predefined-roles.json.gz)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("roles: give --out FILE")
	}
	svc, err := iamapi.NewService(ctx)
	if err != nil {
		return fmt.Errorf("roles: IAM client: %w", err)
	}
	roles, err := inventory.FetchPredefinedRoles(ctx, svc)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".roles-*")
	if err != nil {
		return fmt.Errorf("roles: %w", err)
	}
	defer os.Remove(tmp.Name())
	source := "IAM API roles.list view=FULL, " + time.Now().UTC().Format(time.DateOnly)
	if err := iam.WriteCatalog(tmp, source, roles); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("roles: %w", err)
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return fmt.Errorf("roles: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %d predefined roles to %s\n", len(roles), *out)
	return nil
}
