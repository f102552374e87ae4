package scheduling

import (
	"os"
	"strings"
	"testing"
)

// stateMatrix renders the action x from-status table of
// docs/state-machine.md from the rules Apply uses.
func stateMatrix() string {
	var b strings.Builder
	b.WriteString("| action \\ from |")
	for _, s := range AppointmentStatuses() {
		b.WriteString(" " + string(s) + " |")
	}
	b.WriteString("\n|---|")
	for range AppointmentStatuses() {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, a := range Actions() {
		b.WriteString("| `" + string(a) + "` |")
		for _, s := range AppointmentStatuses() {
			cell := "·"
			if Allowed(s, a) {
				cell = string(rules[a].to)
				if cell == "" {
					cell = "†"
				}
			}
			b.WriteString(" " + cell + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestStateMachineDoc keeps docs/state-machine.md in step with the code:
// the matrix must be the one the rules produce, and every action's row in
// the effects table must name the statuses it is allowed from and its event.
func TestStateMachineDoc(t *testing.T) {
	doc, err := os.ReadFile("../docs/state-machine.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	if m := stateMatrix(); !strings.Contains(text, m) {
		t.Errorf("docs/state-machine.md does not contain the matrix the rules produce:\n%s", m)
	}
	for _, a := range Actions() {
		row := "| `" + string(a) + "` | " + joinCodes(AllowedFrom(a)) + " |"
		if !strings.Contains(text, row) {
			t.Errorf("docs/state-machine.md has no effects row starting %q", row)
		}
		if ev := rules[a].event; !strings.Contains(text, "`"+string(ev)+"`") {
			t.Errorf("docs/state-machine.md does not mention event %s", ev)
		}
	}
}
