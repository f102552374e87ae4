package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/openslot/openslot/examples/internal/servetest"
)

// shellWords splits one command line of the usage text as sh would: single
// quotes keep everything (newlines too), double quotes expand $NAME from
// vars, a backslash outside quotes escapes the next character, and ";"
// separates commands. It reports false while a quote is still open.
func shellWords(s string, vars map[string]string) ([]string, bool) {
	name := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*`)
	var words []string
	var cur strings.Builder
	inWord := false
	end := func() {
		if inWord {
			words = append(words, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, false
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			j := strings.IndexByte(s[i+1:], '"')
			if j < 0 {
				return nil, false
			}
			quoted := s[i+1 : i+1+j]
			cur.WriteString(regexp.MustCompile(`\$[A-Za-z_][A-Za-z0-9_]*`).ReplaceAllStringFunc(quoted,
				func(v string) string { return vars[v[1:]] }))
			i += j + 1
			inWord = true
		case c == '\\' && i+1 < len(s):
			cur.WriteByte(s[i+1])
			i++
			inWord = true
		case c == '$':
			n := name.FindString(s[i+1:])
			cur.WriteString(vars[n])
			i += len(n)
			inWord = true
		case c == ' ' || c == '\t' || c == '\n':
			end()
		case c == ';':
			end()
			words = append(words, ";")
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	end()
	return words, true
}

// usageCommands returns the shell commands of the usage text (the variable
// assignments and the curl lines), each split into words, with the
// variables the assignments set.
func usageCommands(t *testing.T, usage string) (cmds [][]string, vars map[string]string) {
	t.Helper()
	vars = map[string]string{}
	lines := strings.Split(usage, "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(line, "curl ") && !strings.Contains(line, "='") {
			continue
		}
		text := line
		words, ok := shellWords(text, vars)
		for !ok && i+1 < len(lines) { // a quote open across lines
			i++
			text += "\n" + lines[i]
			words, ok = shellWords(text, vars)
		}
		if !ok {
			t.Fatalf("unbalanced quotes in the usage text: %s", text)
		}
		if words[0] == "curl" {
			cmds = append(cmds, words)
			continue
		}
		for _, w := range words { // A='...'; P='...'
			if k, v, found := strings.Cut(w, "="); found {
				vars[k] = v
			}
		}
	}
	return cmds, vars
}

// TestUsageCommands runs every curl line the program prints, in order, as
// a newcomer would: <id> is the id of an Appointment in the answer before,
// and appointment.json is that appointment read back with "status":
// "cancelled", as the comment above the PUT says. Each must succeed.
func TestUsageCommands(t *testing.T) {
	addr, stop, out := servetest.Start(t, program, []string{"-addr", "127.0.0.1:0"}, nil)
	cmds, vars := usageCommands(t, out.String())
	if len(cmds) != 8 {
		t.Fatalf("%d curl lines in the usage text, want 8:\n%s", len(cmds), out.String())
	}
	for _, k := range []string{"A", "P", "J"} {
		if vars[k] == "" {
			t.Fatalf("the usage text does not set %s:\n%s", k, out.String())
		}
	}
	id := ""
	for _, words := range cmds {
		method, target, data := "GET", "", ""
		header := http.Header{}
		for i := 1; i < len(words); i++ {
			switch w := words[i]; w {
			case "-s":
			case "-X":
				i++
				method = words[i]
			case "-H":
				i++
				k, v, _ := strings.Cut(words[i], ":")
				header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
			case "-d":
				i++
				data = words[i]
			default:
				if strings.HasPrefix(w, "-") {
					t.Fatalf("unexpected curl option %q in %q", w, words)
				}
				target = w
			}
		}
		if strings.Contains(target+data, "<id>") {
			if id == "" {
				t.Fatalf("%s %s needs an appointment id, and no answer before had one", method, target)
			}
			target = strings.ReplaceAll(target, "<id>", id)
			data = strings.ReplaceAll(data, "<id>", id)
		}
		if !strings.HasPrefix(target, "http://"+addr+"/fhir/") {
			t.Fatalf("curl line for another server: %q", target)
		}
		if data == "@appointment.json" { // the appointment with "status":"cancelled"
			_, current := do(t, "GET", target, http.Header{"Authorization": header["Authorization"]}, "")
			current["status"] = "cancelled"
			b, _ := json.Marshal(current)
			data = string(b)
		}
		status, answer := do(t, method, target, header, data)
		if status != http.StatusOK {
			t.Errorf("%s %s: status %d: %v", method, target, status, answer)
			continue
		}
		if answer["resourceType"] == "Bundle" {
			entries, _ := answer["entry"].([]any)
			if len(entries) == 0 {
				t.Errorf("%s %s: an empty Bundle", method, target)
			}
			for _, e := range entries {
				r, _ := e.(map[string]any)["resource"].(map[string]any)
				if r["resourceType"] == "Appointment" {
					id = r["id"].(string)
					break
				}
			}
		}
		if method == "PUT" && answer["status"] != "cancelled" {
			t.Errorf("PUT with \"status\":\"cancelled\": the appointment is %v", answer["status"])
		}
	}
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
}

// do sends one request and returns the status and the JSON answer.
func do(t *testing.T, method, target string, header http.Header, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header.Clone()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s %s: %v\n%s", method, target, err, data)
	}
	return res.StatusCode, m
}

// TestUsageFindTimes: the $find line asks for the whole local day in
// Vienna, with the day's own UTC offset (+02:00 in summer).
func TestUsageFindTimes(t *testing.T) {
	vienna, err := time.LoadLocation(demoZone)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		now        time.Time
		start, end string
	}{
		{time.Date(2026, 7, 13, 12, 0, 0, 0, vienna), "2026-07-14T00:00:00+02:00", "2026-07-14T23:59:00+02:00"},
		{time.Date(2026, 11, 20, 12, 0, 0, 0, vienna), "2026-11-23T00:00:00+01:00", "2026-11-23T23:59:00+01:00"},
	} {
		var buf bytes.Buffer
		printUsage(&buf, "http://127.0.0.1:8080/fhir", "in memory", c.now)
		for _, want := range []string{
			fmt.Sprintf(`{"name":"start","valueDateTime":%q}`, c.start),
			fmt.Sprintf(`{"name":"end","valueDateTime":%q}`, c.end),
		} {
			if !strings.Contains(buf.String(), want) {
				t.Errorf("now %s: the usage text lacks %s:\n%s", c.now, want, buf.String())
			}
		}
	}
}

// TestRunPostgres: doc.go says the program runs on PostgreSQL with
// -postgres (or $OPENSLOT_DATABASE_URL), and that a second start on the
// same database leaves the seeded practice (and bookings) alone.
func TestRunPostgres(t *testing.T) {
	env := servetest.PostgresEnv(t)
	addr, stop, out := servetest.Start(t, program, []string{"-addr", "127.0.0.1:0"}, env)
	base := "http://" + addr + "/fhir"
	auth := http.Header{"Authorization": {"Bearer " + patientToken}, "Content-Type": {"application/fhir+json"}}
	d := time.Now().Add(7 * 24 * time.Hour)
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.Add(24 * time.Hour)
	}
	day := d.Format(time.DateOnly) // a weekday: the demo practice is open
	status, found := do(t, "POST", base+"/Appointment/$find", auth, `{"resourceType":"Parameters","parameter":[
		{"name":"start","valueDateTime":"`+day+`"},{"name":"end","valueDateTime":"`+day+`"},
		{"name":"practitioner","valueReference":{"reference":"Practitioner/`+demoDoctor+`"}},{"name":"_count","valueInteger":1}]}`)
	entries, _ := found["entry"].([]any)
	if status != http.StatusOK || len(entries) == 0 {
		t.Fatalf("$find on %s: %d %v", day, status, found)
	}
	proposed := entries[0].(map[string]any)["resource"].(map[string]any)["id"].(string)
	status, booked := do(t, "POST", base+"/Appointment/$book", auth, `{"resourceType":"Parameters","parameter":[
		{"name":"appointment-reference","valueReference":{"reference":"Appointment/`+proposed+`"}}]}`)
	if status != http.StatusOK {
		t.Fatalf("$book: %d %v", status, booked)
	}
	id := booked["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)["id"].(string)
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
	if !strings.Contains(out.String(), "(PostgreSQL store)") {
		t.Errorf("the output does not name the PostgreSQL store:\n%s", out)
	}

	addr, stop, _ = servetest.Start(t, program, []string{"-addr", "127.0.0.1:0"}, env)
	if status, a := do(t, "GET", "http://"+addr+"/fhir/Appointment/"+id, auth, ""); status != http.StatusOK || a["status"] != "booked" {
		t.Errorf("after a restart: %d %v", status, a)
	}
	if err := stop(); err != nil {
		t.Fatalf("second run: %v", err)
	}
}

// TestRunRefusesBadArguments: flags it does not know, extra arguments and
// an unreachable database are errors, not a server.
func TestRunRefusesBadArguments(t *testing.T) { servetest.RefusesBadArguments(t, program) }

// TestPatientTokenSeesOwnOnly: doc.go says the patient's token sees and
// changes only that patient's appointments.
func TestPatientTokenSeesOwnOnly(t *testing.T) {
	addr, _, _ := servetest.Start(t, program, []string{"-addr", "127.0.0.1:0"}, nil)
	base := "http://" + addr + "/fhir"
	admin := http.Header{"Authorization": {"Bearer " + adminToken}, "Content-Type": {"application/fhir+json"}}
	patient := http.Header{"Authorization": {"Bearer " + patientToken}, "Content-Type": {"application/fhir+json"}}
	status, other := do(t, "POST", base+"/Patient", admin, `{"resourceType":"Patient","name":[{"family":"Other"}]}`)
	if status != http.StatusCreated {
		t.Fatalf("create a patient: %d %v", status, other)
	}
	d := time.Now().Add(7 * 24 * time.Hour)
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.Add(24 * time.Hour)
	}
	day := d.Format(time.DateOnly)
	status, found := do(t, "POST", base+"/Appointment/$find", admin, `{"resourceType":"Parameters","parameter":[
		{"name":"start","valueDateTime":"`+day+`"},{"name":"end","valueDateTime":"`+day+`"},
		{"name":"practitioner","valueReference":{"reference":"Practitioner/`+demoDoctor+`"}},
		{"name":"patient-reference","valueReference":{"reference":"Patient/`+other["id"].(string)+`"}},{"name":"_count","valueInteger":1}]}`)
	entries, _ := found["entry"].([]any)
	if status != http.StatusOK || len(entries) == 0 {
		t.Fatalf("$find on %s: %d %v", day, status, found)
	}
	proposed := entries[0].(map[string]any)["resource"].(map[string]any)["id"].(string)
	status, booked := do(t, "POST", base+"/Appointment/$book", admin, `{"resourceType":"Parameters","parameter":[
		{"name":"appointment-reference","valueReference":{"reference":"Appointment/`+proposed+`"}}]}`)
	if status != http.StatusOK {
		t.Fatalf("$book: %d %v", status, booked)
	}
	appt := booked["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)
	if status, a := do(t, "GET", base+"/Appointment/"+appt["id"].(string), patient, ""); status == http.StatusOK {
		t.Errorf("the demo patient reads another patient's appointment: %v", a)
	}
	appt["status"] = "cancelled"
	body, _ := json.Marshal(appt)
	if status, a := do(t, "PUT", base+"/Appointment/"+appt["id"].(string), patient, string(body)); status == http.StatusOK {
		t.Errorf("the demo patient cancels another patient's appointment: %v", a)
	}
	if status, a := do(t, "GET", base+"/Appointment/"+appt["id"].(string), admin, ""); status != http.StatusOK || a["status"] != "booked" {
		t.Errorf("the other patient's appointment: %d %v", status, a["status"])
	}
}
