// Package demo holds the embedded demo organization and a generator of large
// synthetic organizations, both in the `gcloud asset export` JSON-lines
// format: one asset record per line, snake_case at the top level (name,
// asset_type, resource, iam_policy, org_policy, ancestors, update_time) and
// camelCase inside resource.data, as the real APIs spell it. A resource and
// its IAM policy are separate records (content types RESOURCE and
// IAM_POLICY), joined on name by the reader.
//
// The demo organization (FS) is example.com with two folders and seven
// projects covering the scenarios of DESIGN §11; org/README.md lists each
// scenario with the findings it is meant to produce. Generate writes larger
// organizations for benchmarks. History holds earlier, worse states of the
// demo organization as overlays on FS, so that a trend shows on first run.
package demo

import (
	"embed"
	"errors"
	"io"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

//go:embed org/*.jsonl
var org embed.FS

// FS returns the demo organization's export files: resources.jsonl (content
// type RESOURCE), iam_policies.jsonl (IAM_POLICY) and org_policies.jsonl
// (ORG_POLICY), at the root of the returned file system.
func FS() fs.FS {
	sub, err := fs.Sub(org, "org")
	if err != nil {
		// fs.Sub fails only on an invalid path; "org" is valid.
		panic(err)
	}
	return sub
}

//go:embed history/*.jsonl
var history embed.FS

// Snapshot is an earlier state of the demo organization, so that a trend is
// visible on first run. FS holds one file at its root, the overlay
// w-NN.jsonl: `gcloud asset export` lines (RESOURCE and IAM_POLICY records
// together) for only the assets that differed WeeksAgo weeks before the
// current state, each a complete record as it was then, plus assets deleted
// since. The state itself is FS() with the overlay laid on top:
//
//	base := read(demo.FS())
//	then := inventory.Overlay(base, read(s.FS))
//
// history/README.md tells the story week by week.
type Snapshot struct {
	WeeksAgo int
	FS       fs.FS
}

// History returns the earlier states of the demo organization, oldest first
// (largest WeeksAgo first). The current state is FS(); entry i is FS()
// overlaid (inventory.Overlay) with History()[i].FS.
func History() []Snapshot {
	entries, err := fs.ReadDir(history, "history")
	if err != nil {
		panic(err) // the directory is embedded
	}
	var out []Snapshot
	for _, e := range entries {
		weeks, ok := snapshotWeeks(e.Name())
		if !ok {
			panic("demo: unexpected history file " + e.Name())
		}
		out = append(out, Snapshot{WeeksAgo: weeks, FS: fileFS{name: e.Name()}})
	}
	slices.SortFunc(out, func(a, b Snapshot) int { return b.WeeksAgo - a.WeeksAgo })
	return out
}

// snapshotWeeks parses a history file name, "w-06.jsonl".
func snapshotWeeks(name string) (int, bool) {
	s, ok := strings.CutPrefix(name, "w-")
	if !ok {
		return 0, false
	}
	s, ok = strings.CutSuffix(s, ".jsonl")
	if !ok || len(s) != 2 {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}

// fileFS is a read-only file system whose root holds one embedded history
// file.
type fileFS struct{ name string }

func (f fileFS) Open(name string) (fs.File, error) {
	switch name {
	case f.name:
		return history.Open(path.Join("history", name))
	case ".":
		info, err := fs.Stat(history, path.Join("history", f.name))
		if err != nil {
			return nil, err
		}
		return &rootDir{entry: fs.FileInfoToDirEntry(info)}, nil
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

func (f fileFS) ReadDir(name string) ([]fs.DirEntry, error) {
	d, err := f.Open(name)
	if err != nil {
		return nil, err
	}
	rd, ok := d.(*rootDir)
	if !ok {
		_ = d.Close()
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errors.New("not a directory")}
	}
	return rd.ReadDir(-1)
}

// rootDir is the root directory of a fileFS.
type rootDir struct {
	entry fs.DirEntry
	read  bool // whether ReadDir has returned the entry
}

func (d *rootDir) Stat() (fs.FileInfo, error) { return rootInfo{}, nil }
func (d *rootDir) Close() error               { return nil }
func (d *rootDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: ".", Err: errors.New("is a directory")}
}

func (d *rootDir) ReadDir(n int) ([]fs.DirEntry, error) {
	if d.read {
		if n > 0 {
			return nil, io.EOF
		}
		return []fs.DirEntry{}, nil
	}
	d.read = true
	return []fs.DirEntry{d.entry}, nil
}

// rootInfo describes the root directory of a fileFS.
type rootInfo struct{}

func (rootInfo) Name() string       { return "." }
func (rootInfo) Size() int64        { return 0 }
func (rootInfo) Mode() fs.FileMode  { return fs.ModeDir | 0o555 }
func (rootInfo) ModTime() time.Time { return time.Time{} }
func (rootInfo) IsDir() bool        { return true }
func (rootInfo) Sys() any           { return nil }
