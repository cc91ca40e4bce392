package review

import (
	"regexp"
	"strings"

	"github.com/runlens/runlens/internal/changeset"
	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/iam"
)

// Part is a piece of a sentence: text, and the graph node it names when the
// text is exactly the ID of one (Node nil otherwise).
type Part struct {
	Text string
	Node *graph.Node
}

// Explanation is what a reviewer reads above a change set's renderings: why,
// the risk, and the manual steps, with the nodes they name.
type Explanation struct {
	Why  []Part
	Risk [][]Part
	// Manual are the texts of the manual steps, in order: what a person does
	// by hand.
	Manual []string
}

// Explain splits the rationale and risk of cs into parts, marking the words
// that are node IDs of g (nil: none are marked), and lists its manual steps.
func Explain(cs changeset.ChangeSet, g *graph.Graph) Explanation {
	x := Explanation{Why: Mentions(cs.Rationale, g)}
	for _, r := range cs.Risk {
		x.Risk = append(x.Risk, Mentions(r, g))
	}
	for _, s := range cs.Steps {
		if s.Kind == changeset.KindManual {
			x.Manual = append(x.Manual, s.Text)
		}
	}
	return x
}

// wordTrim is what may surround a name in a sentence without being part of
// it: brackets, quotes and punctuation.
const (
	wordLead  = `("'`
	wordTrail = `.,;:)"'`
)

// Mentions splits text into parts, one per node of g it names. A word (text
// between spaces, without surrounding brackets, quotes and punctuation)
// names a node when it is the node's ID exactly, or an IAM member whose node
// ID that is ("serviceAccount:a@p.iam.gserviceaccount.com", "allUsers"), or
// a service account's email. Nothing else is guessed: a word that is not a
// known ID stays text. Concatenating the parts' texts gives text back.
func Mentions(text string, g *graph.Graph) []Part {
	if g == nil || text == "" {
		return []Part{{Text: text}}
	}
	// Workloads are named in prose by their display phrase, "service NAME
	// (PROJECT · REGION)" (internal/names): such a phrase names exactly one
	// node, found from its parts.
	if locs := workloadPhrase.FindAllStringSubmatchIndex(text, -1); len(locs) > 0 {
		var out []Part
		prev := 0
		for _, l := range locs {
			kind, name, project, region := text[l[2]:l[3]], text[l[4]:l[5]], text[l[6]:l[7]], text[l[8]:l[9]]
			n := workloadNode(g, kind, name, project, region)
			if n == nil {
				continue
			}
			if prev < l[0] {
				out = append(out, mentionWords(text[prev:l[0]], g)...)
			}
			out = append(out, Part{Text: text[l[0]:l[1]], Node: n})
			prev = l[1]
		}
		if prev < len(text) || len(out) == 0 {
			out = append(out, mentionWords(text[prev:], g)...)
		}
		return out
	}
	return mentionWords(text, g)
}

// workloadPhrase matches a workload's display phrase.
var workloadPhrase = regexp.MustCompile(`\b(service|job) ([a-z][-a-z0-9]*) \(([a-z0-9][-a-z0-9.:]*) · ([a-z0-9-]+)\)`)

// workloadNode is the service or job a display phrase names, or nil. The
// project may be written by ID while the node's name uses the number.
func workloadNode(g *graph.Graph, kind, name, project, region string) *graph.Node {
	coll := "services"
	if kind == "job" {
		coll = "jobs"
	}
	for _, p := range []string{project, projectNumber(g, project)} {
		if p == "" {
			continue
		}
		if n, ok := g.Node("//run.googleapis.com/projects/" + p + "/locations/" + region + "/" + coll + "/" + name); ok {
			return n
		}
	}
	return nil
}

// projectNumber is the number of the project whose ID is id, or "".
func projectNumber(g *graph.Graph, id string) string {
	for _, p := range g.NodesOf(graph.KindProject) {
		if p.Project == id {
			num, _ := strings.CutPrefix(p.ID, "//cloudresourcemanager.googleapis.com/projects/")
			return num
		}
	}
	return ""
}

// mentionWords splits text into parts by the words that are node IDs (see
// Mentions).
func mentionWords(text string, g *graph.Graph) []Part {
	var out []Part
	plain := 0 // start of the text not yet in out
	for i := 0; i < len(text); {
		if text[i] == ' ' || text[i] == '\n' {
			i++
			continue
		}
		end := i
		for end < len(text) && text[end] != ' ' && text[end] != '\n' {
			end++
		}
		start, stop := i, end
		for start < stop && strings.IndexByte(wordLead, text[start]) >= 0 {
			start++
		}
		for stop > start && strings.IndexByte(wordTrail, text[stop-1]) >= 0 {
			stop--
		}
		if n := node(g, text[start:stop]); n != nil {
			if plain < start {
				out = append(out, Part{Text: text[plain:start]})
			}
			out = append(out, Part{Text: text[start:stop], Node: n})
			plain = stop
		}
		i = end
	}
	if plain < len(text) || len(out) == 0 {
		out = append(out, Part{Text: text[plain:]})
	}
	return out
}

// node is the node of g that word names, or nil.
func node(g *graph.Graph, word string) *graph.Node {
	if word == "" {
		return nil
	}
	if n, ok := g.Node(word); ok {
		return n
	}
	if id := iam.ParseMember(word).ID(); id != word {
		if n, ok := g.Node(id); ok {
			return n
		}
	}
	if strings.HasSuffix(word, ".gserviceaccount.com") && !strings.Contains(word, ":") {
		if n, ok := g.Node("serviceAccount:" + strings.ToLower(word)); ok {
			return n
		}
	}
	return nil
}
