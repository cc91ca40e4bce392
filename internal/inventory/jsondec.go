package inventory

import (
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Records and resource data are decoded with the encoding/json/v2 design
// (github.com/go-json-experiment/json, the module the standard library's
// GOEXPERIMENT=jsonv2 package is copied from): it decodes in one pass,
// where encoding/json validates the whole value first and decodes it again,
// and is about three times faster on CAI records — reading is most of a
// scan. The options keep encoding/json's leniency for inputs runlens does not
// own: a repeated member name keeps the last value, and invalid UTF-8 is
// replaced rather than refused. Member names match exactly (CAI spells them
// one way in each shape; both spellings are declared where both occur).
// When encoding/json/v2 leaves the experiment, only the imports change.
// Recommender bodies (few, small, with json.Number counts) and error
// messages for malformed lines still use encoding/json.
var decodeOptions = json.JoinOptions(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))

// unmarshal decodes b into v with decodeOptions.
func unmarshal(b []byte, v any) error { return json.Unmarshal(b, v, decodeOptions) }
