package posture

import (
	"errors"
	"slices"
	"strings"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/names"
	"github.com/runlens/runlens/internal/rules"
)

// Question is a prebuilt question about the identity graph, in the manner
// of BloodHound's: asked by Key, answered with the path behind every row.
type Question struct {
	Key   string
	Title string
	Asks  string // what it looks for, in a sentence
}

// Questions are the prebuilt questions, in the order the explorer offers
// them.
var Questions = []Question{
	{Key: "public-data", Title: "Public → sensitive data",
		Asks: "Buckets, secrets, Cloud SQL instances and KMS keys that allUsers or allAuthenticatedUsers can reach, through any service, identity or grant."},
	{Key: "act-as-editor", Title: "Who can act as runtime identities with Editor or Owner",
		Asks: "Principals who can act as (impersonate, deploy as) a service account that a service or job runs as and that holds roles/editor or roles/owner. Google service agents are counted, not listed."},
	{Key: "internet-services", Title: "Services anyone on the internet can reach",
		Asks: "Services whose ingress lets the internet in (all) and that allUsers or allAuthenticatedUsers may invoke without a condition, or whose invoker IAM check is off."},
}

// ErrUnknownQuestion is returned for a question key that is not one of
// Questions.
var ErrUnknownQuestion = errors.New("posture: no such question")

// Answer is a question's answer on the served state.
type Answer struct {
	Question
	Rows      []AnswerRow
	Truncated bool     // cut at MaxReach rows
	Agents    int      // act-as-editor: Google service agents left out of Rows
	Scope     []string // act-as-editor: the runtime identities with Editor or Owner
}

// AnswerRow is one thing found, with the path that shows it.
type AnswerRow struct {
	Subject string // what was found: a bucket, a principal, a service
	Via     string // what it was found through: the public principal, the identity
	Path    []graph.Step
}

// Ask answers the question with key on the served state.
func (s *Service) Ask(key string) (Answer, error) {
	c, err := s.Current()
	if err != nil {
		return Answer{}, err
	}
	return c.Ask(key)
}

// Ask answers the question with key on c. The answers are computed when c
// is warmed (see Service.warm), so a page asks a memo.
func (c *Current) Ask(key string) (Answer, error) {
	i := slices.IndexFunc(Questions, func(q Question) bool { return q.Key == key })
	if i < 0 {
		return Answer{}, ErrUnknownQuestion
	}
	// An answer holds for the whole served state: asked once per state
	// (the first asks walk the graph; act-as-editor takes ~100 ms at 20,000
	// services), one question at a time.
	c.answersMu.Lock()
	defer c.answersMu.Unlock()
	if a, ok := c.answers[key]; ok {
		return a, nil
	}
	a := Answer{Question: Questions[i]}
	g := c.Report.Graph
	switch key {
	case "public-data":
		publicData(g, &a)
	case "act-as-editor":
		actAsEditor(g, &a)
	case "internet-services":
		internetServices(g, &a)
	}
	if len(a.Rows) > MaxReach {
		a.Rows, a.Truncated = a.Rows[:MaxReach], true
	}
	if c.answers == nil {
		c.answers = map[string]Answer{}
	}
	c.answers[key] = a
	return a, nil
}

// sensitive are the kinds of data a public path should never reach.
var sensitive = []graph.Kind{graph.KindBucket, graph.KindSecret, graph.KindSQLInstance, graph.KindKMSKey}

func publicData(g *graph.Graph, a *Answer) {
	for _, pub := range g.NodesOf(graph.KindPublic) {
		res := g.Reach(pub.ID, graph.Forward, graph.ReachKinds, 0, MaxReach, true)
		a.Truncated = a.Truncated || res.Truncated
		for _, r := range res.Reached {
			if slices.Contains(sensitive, r.Node.Kind) {
				a.Rows = append(a.Rows, AnswerRow{Subject: r.Node.ID, Via: pub.ID, Path: r.Path})
			}
		}
	}
	sortAnswer(g, a.Rows)
}

// broad are the basic roles that make a runtime identity a prize.
var broad = []string{"roles/editor", "roles/owner"}

func actAsEditor(g *graph.Graph, a *Answer) {
	for _, sa := range g.NodesOf(graph.KindServiceAccount) {
		if len(g.In(sa.ID, graph.RunsAs)) == 0 {
			continue
		}
		if !slices.ContainsFunc(g.Out(sa.ID, graph.HasRole), func(e graph.Edge) bool { return slices.Contains(broad, e.Role) }) {
			continue
		}
		a.Scope = append(a.Scope, sa.ID)
		res := g.WhoCanActAs(sa.ID, MaxReach)
		a.Truncated = a.Truncated || res.Truncated
		for _, r := range res.Reached {
			if iam.ParseMember(r.Node.ID).IsServiceAgent() {
				a.Agents++
				continue
			}
			a.Rows = append(a.Rows, AnswerRow{Subject: r.Node.ID, Via: sa.ID, Path: r.Path})
		}
	}
	sortAnswer(g, a.Rows)
}

func internetServices(g *graph.Graph, a *Answer) {
	for _, n := range g.NodesOf(graph.KindService) {
		w, ok := n.Data.(*inventory.Workload)
		if !ok || w.Ingress != inventory.IngressAll {
			continue
		}
		if w.InvokerIAMDisabled {
			a.Rows = append(a.Rows, AnswerRow{Subject: n.ID})
			continue
		}
		for _, e := range g.In(n.ID, graph.CanInvoke) {
			if rules.IsPublicUnconditional(e) {
				a.Rows = append(a.Rows, AnswerRow{Subject: n.ID, Via: e.From, Path: []graph.Step{{Edge: e}}})
				break
			}
		}
	}
	sortAnswer(g, a.Rows)
}

// sortAnswer orders rows by what a person reads: the subject's name, then
// what it was found through.
func sortAnswer(g *graph.Graph, rows []AnswerRow) {
	text := make(map[string]string, len(rows)) // each name once, not per comparison
	for _, r := range rows {
		if _, ok := text[r.Subject]; !ok {
			text[r.Subject] = names.Of(g, r.Subject).Text
		}
	}
	slices.SortStableFunc(rows, func(x, y AnswerRow) int {
		if c := strings.Compare(text[x.Subject], text[y.Subject]); c != 0 {
			return c
		}
		return strings.Compare(x.Via, y.Via)
	})
}

// kindWords are the plural words a search can start with to list nodes of
// a kind ("buckets", "secrets prod"), beside "kind:KIND": every kind's
// plural as names.Plural writes it ("pub/sub subscriptions", "cloud sql
// instances"), and the shorter words people type.
var kindWords = func() map[string]graph.Kind {
	words := map[string]graph.Kind{
		"workloads": graph.KindService, "identities": graph.KindServiceAccount,
		"subscriptions": graph.KindSubscription, "push subscriptions": graph.KindSubscription,
		"topics": graph.KindTopic, "triggers": graph.KindTrigger, "scheduler jobs": graph.KindSchedulerJob,
		"databases": graph.KindSQLInstance, "sql instances": graph.KindSQLInstance, "keys": graph.KindKMSKey,
	}
	for _, k := range graph.Kinds() {
		if k != graph.KindOther && k != graph.KindPublic {
			words[strings.ToLower(names.Plural(k, 2))] = k
		}
	}
	return words
}()

// KindOf reads a search that starts by naming a kind of node ("buckets",
// "secrets prod", "kind:serviceAccount pdf"): the kind and the rest of the
// text. ok is false for an ordinary search.
func KindOf(q string) (k graph.Kind, rest string, ok bool) {
	l := strings.ToLower(strings.Join(strings.Fields(q), " "))
	if after, found := strings.CutPrefix(l, "kind:"); found {
		word, rest, _ := strings.Cut(after, " ")
		for _, k := range graph.Kinds() {
			if strings.EqualFold(string(k), word) {
				return k, rest, true
			}
		}
		return "", "", false
	}
	best := ""
	for w, kind := range kindWords {
		if (l == w || strings.HasPrefix(l, w+" ")) && len(w) > len(best) {
			best, k = w, kind
		}
	}
	if best == "" {
		return "", "", false
	}
	return k, strings.TrimSpace(l[len(best):]), true
}

// SearchKind lists the nodes of kind k whose name contains text (any case),
// by name, up to MaxSearch, and how many there are in all.
func (s *Service) SearchKind(k graph.Kind, text string) ([]graph.Match, int, error) {
	c, err := s.Current()
	if err != nil {
		return nil, 0, err
	}
	g := c.Report.Graph
	text = strings.ToLower(text)
	type hit struct {
		n    *graph.Node
		name string
	}
	var hits []hit
	for _, n := range g.NodesOf(k) {
		nm := names.Of(g, n.ID)
		if text == "" || strings.Contains(strings.ToLower(nm.Text), text) || strings.Contains(strings.ToLower(nm.Context), text) {
			hits = append(hits, hit{n, nm.Text})
		}
	}
	slices.SortFunc(hits, func(a, b hit) int { return strings.Compare(a.name, b.name) })
	out := make([]graph.Match, 0, min(len(hits), MaxSearch))
	for _, h := range hits[:min(len(hits), MaxSearch)] {
		out = append(out, graph.Match{Node: h.n})
	}
	return out, len(hits), nil
}
