package changeset

import "context"

// StepLog receives, as an apply goes, what each step did: its number
// (1-based), the number of steps, the step in words and the result
// ("granted", "updated, revision orders-00002 ready", "FAILED: …").
type StepLog func(step, total int, what, result string)

type stepLogKey struct{}

// WithStepLog returns ctx carrying log, for an applier to report each step
// to (the review workflow audits each one).
func WithStepLog(ctx context.Context, log StepLog) context.Context {
	return context.WithValue(ctx, stepLogKey{}, log)
}

// StepLogFrom returns the StepLog ctx carries, or one that does nothing.
func StepLogFrom(ctx context.Context) StepLog {
	if l, ok := ctx.Value(stepLogKey{}).(StepLog); ok && l != nil {
		return l
	}
	return func(int, int, string, string) {}
}

// Only returns cs reduced to the steps numbered in steps (1-based, as an
// apply reports what it did), in their order: the part of a change set that
// was carried out, for its rollback.
func Only(cs ChangeSet, steps []int) ChangeSet {
	out := cs
	out.Steps = nil
	for i, s := range cs.Steps {
		for _, n := range steps {
			if n == i+1 {
				out.Steps = append(out.Steps, s)
				break
			}
		}
	}
	return out
}
