package inventory

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Redacted replaces every literal env var value of a Cloud Run service or
// job in resource.data, so that no value, secret or not, is kept, stored or
// shown. Only the topic and bucket references a value names survive (the
// graph's uses edges need them), joined by spaces.
const Redacted = "runlens:redacted"

// redactEnv returns data with the "value" of every env entry ({"name",
// "value"} objects in any "env" array) replaced by Redacted plus the
// references found in it. data that is not a JSON object is returned as is.
func redactEnv(data json.RawMessage) json.RawMessage {
	if !bytes.Contains(data, []byte(`"env"`)) {
		return data
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return data
	}
	if !walkEnv(v) {
		return data
	}
	out, err := json.Marshal(v)
	if err != nil {
		return data
	}
	return out
}

// walkEnv redacts in place and reports whether anything changed.
func walkEnv(v any) bool {
	changed := false
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if k == "env" {
				if list, ok := x.([]any); ok {
					for _, e := range list {
						if obj, ok := e.(map[string]any); ok {
							if s, ok := obj["value"].(string); ok && s != "" && !strings.HasPrefix(s, Redacted) {
								obj["value"] = redactedValue(s)
								changed = true
							}
						}
					}
				}
			}
			if walkEnv(x) {
				changed = true
			}
		}
	case []any:
		for _, x := range t {
			if walkEnv(x) {
				changed = true
			}
		}
	}
	return changed
}

func redactedValue(s string) string {
	refs := topicRef.FindAllString(s, -1)
	for _, m := range bucketRef.FindAllString(s, -1) {
		refs = append(refs, m)
	}
	if len(refs) == 0 {
		return Redacted
	}
	return Redacted + " " + strings.Join(refs, " ")
}
