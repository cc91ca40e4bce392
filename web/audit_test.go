package web

import (
	"context"
	"strings"
	"testing"
)

// TestAuditEmptyState: an audit log with nothing in it says what will
// appear there instead of showing an empty table.
func TestAuditEmptyState(t *testing.T) {
	var b strings.Builder
	if err := AuditView(AuditPage{}).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `data-testid="audit-empty"`) || strings.Contains(b.String(), `data-testid="audit"`) {
		t.Errorf("empty audit page shows a table or no empty state:\n%s", b.String())
	}
}
