// Package web holds runlens's views (templ components) and its static
// assets, embedded. It imports domain packages for the data it shows and
// never the handlers or the store.
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// Static is the static file tree (files under web/static), for serving.
func Static() fs.FS {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory
	}
	return sub
}

var hashes = func() map[string]string {
	m := map[string]string{}
	_ = fs.WalkDir(Static(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(Static(), p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		m[p] = hex.EncodeToString(sum[:6])
		return nil
	})
	return m
}()

// StaticPrefix is the URL path static assets are served under.
const StaticPrefix = "/static/"

// Asset returns the URL of a static file with its content hash, so it can be
// cached forever: "/static/app.css?v=1a2b3c4d5e6f".
func Asset(name string) string {
	name = strings.TrimPrefix(path.Clean("/"+name), "/")
	return StaticPrefix + name + "?v=" + hashes[name]
}
