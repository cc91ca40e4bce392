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
