package demo

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Shape is the kind of organization Generate writes. The shapes differ in
// where access is granted, so they load different parts of runlens: a fleet
// grants on each resource, teams grant at the project level.
type Shape string

const (
	// ShapeFleet is every service with its own resources, each granted on
	// the resource (Generate).
	ShapeFleet Shape = "fleet"
	// ShapeTeams is teams that grant at the project: every project has
	// project-level invoker groups and dozens of viewers, 20% of the
	// services run as the default compute identity and 15% as an identity
	// shared by the project, services share their project's buckets,
	// secrets and topics, and every fourth service is called by a push
	// subscription.
	ShapeTeams Shape = "teams"
)

// Shapes lists the shapes GenerateShape writes, ShapeFleet first.
func Shapes() []Shape { return []Shape{ShapeFleet, ShapeTeams} }

// ParseShape parses a shape's name ("" is ShapeFleet).
func ParseShape(s string) (Shape, error) {
	switch Shape(strings.ToLower(strings.TrimSpace(s))) {
	case "", ShapeFleet:
		return ShapeFleet, nil
	case ShapeTeams:
		return ShapeTeams, nil
	}
	return "", fmt.Errorf("demo: shape %q: want %s or %s", s, ShapeFleet, ShapeTeams)
}

// GenerateShape writes a synthetic organization of size s and the given
// shape to w, in the export line format. ShapeFleet is Generate. The output
// depends only on s, shape and seed; memory use does not grow with s.
func GenerateShape(w io.Writer, s Size, shape Shape, seed int64) error {
	switch shape {
	case "", ShapeFleet:
		return Generate(w, s, seed)
	case ShapeTeams:
		return generateShape(w, s, genParams{rngSalt: 0x7ea5c0ffee0d15ea, org: "org/teams/", span: 3 * 365 * 24 * time.Hour}, seed, (*gen).genTeamProject)
	}
	return fmt.Errorf("demo: generate: unknown shape %q", shape)
}

// teamPeople is the size of the pool of people the teams shape draws its
// project viewers and invokers from: people work on many projects.
const teamPeople = 5000

func (g *gen) person() string {
	return "user:" + pick(g, genFirst) + "." + strconv.Itoa(g.rng.IntN(teamPeople)) + "@example.com"
}

var genFirst = []string{"ana", "ben", "chen", "dana", "eli", "fatima", "gus", "hana", "ivan", "jo", "kai", "lena", "mo", "nia", "omar", "priya"}

// genTeamProject writes one project of the teams shape: the project and its
// IAM policy (invoker groups, viewers and developers granted at the
// project), the default compute, shared and deployer identities, two
// buckets, three secrets and two topics shared by the services, then the
// services.
func (g *gen) genTeamProject(i int) {
	team := pick(g, genTeams)
	env := pick(g, genEnvs)
	id := team + "-" + env + "-" + padInt(int64(i), 4)
	number := strconv.FormatInt(200_000_000_000+int64(i)*7_919+int64(g.rng.IntN(7_000)), 10)
	created := g.time()
	p := newProject(id, number, strings.ToUpper(team[:1])+team[1:]+" "+env, "folders/"+g.folder, g.folderAncestors,
		[][2]string{{"team", team}, {"env", env}}, created, g.time())
	gp := &projGen{p: p, region: pick(g, genRegions), team: team, defSA: p.defaultSA(), imageOwner: pick(g, genOrgs)}
	gp.ci = p.saEmail("ci-deployer")
	gp.shared = &serviceAccount{P: p, Email: p.saEmail(team + "-runtime"), UniqueID: numID(id+"/shared", 21),
		DisplayName: "Runtime shared by " + team, Updated: created}
	w := g.w

	members := func(n int, extra ...string) []string {
		ms := append([]string(nil), extra...)
		for range n {
			ms = append(ms, g.person())
		}
		return ms
	}
	invokers := []string{"group:" + team + "-callers@example.com", "group:" + team + "-oncall@example.com"}
	if g.chance(0.5) {
		invokers = append(invokers, "group:"+env+"-testers@example.com")
	}
	if g.chance(0.3) {
		invokers = append(invokers, g.person())
	}
	bs := []binding{
		bind("roles/editor", cloudServices(p)),
		bind("roles/run.serviceAgent", runAgent(p)),
		bind("roles/run.developer", "serviceAccount:"+gp.ci, "group:"+team+"-devs@example.com"),
		bind("roles/run.invoker", invokers...),
		bind("roles/viewer", members(20+g.rng.IntN(20), "group:"+team+"@example.com", "group:sre@example.com", "group:finance-readers@example.com")...),
		bind("roles/run.viewer", members(5+g.rng.IntN(10))...),
		bind("roles/logging.viewer", members(3+g.rng.IntN(5), "group:sre@example.com")...),
		bind("roles/iam.serviceAccountUser", "group:"+team+"-deployers@example.com", "serviceAccount:"+gp.ci),
		bind("roles/secretmanager.secretAccessor", "serviceAccount:"+gp.shared.Email),
		bind("roles/storage.objectViewer", "serviceAccount:"+gp.shared.Email, "serviceAccount:"+gp.defSA),
	}
	if g.chance(0.3) {
		bs[0].Members = append(bs[0].Members, "serviceAccount:"+gp.defSA)
	}
	if g.chance(0.1) {
		bs = append(bs, bind("roles/owner", g.person()))
	}
	w.project(p)
	w.projectPolicy(p, bs...)

	w.serviceAccount(&serviceAccount{P: p, Email: gp.defSA, UniqueID: numID(id+"/default", 21),
		DisplayName: "Compute Engine default service account", Updated: created})
	w.serviceAccount(gp.shared)
	w.serviceAccountPolicy(gp.shared, bind("roles/iam.serviceAccountUser", "serviceAccount:"+gp.ci))
	w.serviceAccount(&serviceAccount{P: p, Email: gp.ci, UniqueID: numID(id+"/ci", 21), DisplayName: "CI deployer", Updated: created})

	// What the services of the project share.
	buckets := []*bucket{
		{P: p, Name: id + "-assets", Location: gp.region, Uniform: true, Created: created, Updated: created},
		{P: p, Name: id + "-uploads", Location: gp.region, Uniform: !g.chance(0.2), Created: created, Updated: created},
	}
	for _, b := range buckets {
		w.bucket(b)
		w.bucketPolicy(b, bind("roles/storage.objectAdmin", "serviceAccount:"+gp.shared.Email))
	}
	secrets := []*secret{{P: p, Name: "db-password", Updated: created}, {P: p, Name: "api-key", Updated: created}, {P: p, Name: "signing-key", Updated: created}}
	for _, s := range secrets {
		w.secret(s)
		w.secretPolicy(s, bind("roles/secretmanager.secretAccessor", "group:"+team+"-devs@example.com"))
	}
	topics := []*topic{{P: p, Name: "events", Updated: created}, {P: p, Name: "jobs", Updated: created}}
	for _, t := range topics {
		w.topic(t)
		w.topicPolicy(t, bind("roles/pubsub.publisher", "serviceAccount:"+gp.shared.Email))
	}
	pusher := p.saEmail("push-invoker")
	w.serviceAccount(&serviceAccount{P: p, Email: pusher, UniqueID: numID(id+"/push", 21), DisplayName: "Push invoker", Updated: created})

	for j := 0; j < g.size.ServicesPerProject; j++ {
		g.genTeamSlot(gp, j, buckets, secrets, topics, pusher)
	}
}

// genTeamSlot writes one service or job of the teams shape: its own
// identity (65%; else the default compute or the shared one) and that
// identity's policy, the service and its IAM policy, and for every fourth
// service a push subscription calling it.
func (g *gen) genTeamSlot(gp *projGen, j int, buckets []*bucket, secrets []*secret, topics []*topic, pusher string) {
	w := g.w
	p := gp.p
	name := genWords[j%len(genWords)] + "-" + strconv.Itoa(j)
	created, updated := g.time(), g.time()
	if updated < created {
		created, updated = updated, created
	}
	r := &run{P: p, Region: gp.region, Name: name, Job: j%10 == 9, V2: g.chance(0.6),
		Labels: [][2]string{{"team", gp.team}}, Generation: 1 + g.rng.Int64N(50),
		Created: created, Updated: updated, Creator: gp.ci}
	switch x := g.rng.Float64(); {
	case x < 0.20:
		// The default compute identity: v1 says nothing, v2 names it half the time.
		if r.V2 && g.chance(0.5) {
			r.SA = gp.defSA
		}
	case x < 0.35:
		r.SA = gp.shared.Email
	default:
		own := &serviceAccount{P: p, Email: p.saEmail(name + "-sa"), UniqueID: numID(p.ID+"/"+name, 21),
			DisplayName: name, Updated: created}
		w.serviceAccount(own)
		w.serviceAccountPolicy(own, bind("roles/iam.serviceAccountUser", "serviceAccount:"+gp.ci))
		r.SA = own.Email
	}
	env := []envVar{
		{Name: "BUCKET", Value: pick(g, buckets).Name},
		{Name: "DB_PASSWORD", Secret: secrets[0].Name, Version: "latest"},
		{Name: "API_KEY", Secret: pick(g, secrets[1:]).Name, Version: "latest"},
		{Name: "TOPIC", Value: "projects/" + p.ID + "/topics/" + pick(g, topics).Name},
	}
	r.Containers = []container{{Name: "app", Image: g.image(gp, name), Env: env}}
	if g.chance(0.5) {
		r.BinAuthz = "default"
	}
	var invokers []binding
	if !r.Job {
		switch x := g.rng.Float64(); {
		case x < 0.6:
			r.Ingress = ingressAll
		case x < 0.9:
			r.Ingress = ingressInternal
		default:
			r.Ingress = ingressLB
		}
		switch x := g.rng.Float64(); {
		case x < 0.03:
			invokers = append(invokers, bind("roles/run.invoker", "allUsers"))
		case x < 0.06:
			invokers = append(invokers, bind("roles/run.invoker", "domain:example.com"))
		case x < 0.3:
			invokers = append(invokers, bind("roles/run.invoker", "group:"+gp.team+"-partners@example.com", g.person()))
		}
		if j%4 == 0 {
			invokers = append(invokers, bind("roles/run.invoker", "serviceAccount:"+pusher))
		}
	}
	w.run(r)
	w.runPolicy(r, invokers...)
	if !r.Job && j%4 == 0 {
		sub := &subscription{P: p, Name: name + "-push", Topic: topics[j%len(topics)].Name,
			PushEndpoint: r.url() + "/pubsub", Updated: updated}
		if !g.chance(0.1) {
			sub.OIDCServiceAccount = pusher
		}
		w.subscription(sub)
		w.subscriptionPolicy(sub)
	}
}
