package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// stateFormat versions the state file.
const stateFormat = 1

// worldState is the whole world as the state file and the admin dump hold
// it: identities, keys, tokens, the trail and the fault settings.
type worldState struct {
	Format         int                 `json:"format"`
	SavedAt        time.Time           `json:"saved_at"`
	DefaultAccount string              `json:"default_account"`
	AdminKey       string              `json:"admin_key,omitempty"`
	Accounts       map[string]*Account `json:"accounts"`
	Tokens         []*Token            `json:"tokens"`
	TrailDelay     Duration            `json:"trail_delay"`
	Faults         FaultConfig         `json:"faults"`
	Events         []Event             `json:"events"`
}

// snapshot copies the world. Without secrets, AccessKey secrets, STS
// secrets and security tokens are blanked.
func snapshot(w *World, secrets bool) (*worldState, error) {
	w.mu.Lock()
	raw, err := json.Marshal(struct {
		Accounts map[string]*Account
		Tokens   []*Token
	}{w.Accounts, tokenList(w)})
	def := w.DefaultAccount
	now := w.Clock()
	w.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("encode world: %w", err)
	}

	st := &worldState{Format: stateFormat, SavedAt: now.UTC(), DefaultAccount: def,
		TrailDelay: Duration(w.Trail.Delay()), Faults: w.Faults.Config(),
		Events: w.Trail.Events()}
	var copied struct {
		Accounts map[string]*Account
		Tokens   []*Token
	}
	if err := json.Unmarshal(raw, &copied); err != nil {
		return nil, fmt.Errorf("copy world: %w", err)
	}
	st.Accounts, st.Tokens = copied.Accounts, copied.Tokens
	if !secrets {
		st.redact()
	}
	return st, nil
}

func tokenList(w *World) []*Token {
	out := make([]*Token, 0, len(w.tokens))
	for _, t := range w.tokens {
		out = append(out, t)
	}
	return out
}

func (st *worldState) redact() {
	for _, a := range st.Accounts {
		for _, k := range a.RootKeys {
			k.Secret = ""
		}
		for _, u := range a.Users {
			for _, k := range u.Keys {
				k.Secret = ""
			}
		}
	}
	for _, t := range st.Tokens {
		t.Secret, t.SecurityToken = "", ""
	}
}

// saveState writes the world to path atomically (temporary file, sync,
// rename), readable by the owner only: it holds secrets.
func saveState(w *World, path, adminKey string) error {
	st, err := snapshot(w, true)
	if err != nil {
		return fmt.Errorf("save state %s: %w", path, err)
	}
	st.AdminKey = adminKey
	data, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("save state %s: encode: %w", path, err)
	}
	if err := writeAtomic(path, data); err != nil {
		return fmt.Errorf("save state %s: %w", path, err)
	}
	return nil
}

func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after the rename
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// loadState replaces the world's content with a state file's and returns
// the administrator's key. A missing file is reported with os.ErrNotExist.
func loadState(w *World, path string) (*AccessKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load state: %w", err)
	}
	var st worldState
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("load state %s: decode: %w", path, err)
	}
	if st.Format != stateFormat {
		return nil, fmt.Errorf("load state %s: format %d, want %d", path, st.Format, stateFormat)
	}
	if err := w.Trail.restore(st.Events, time.Duration(st.TrailDelay)); err != nil {
		return nil, fmt.Errorf("load state %s: events: %w", path, err)
	}
	if err := w.Faults.Set(st.Faults); err != nil {
		return nil, fmt.Errorf("load state %s: faults: %w", path, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.install(&st)
	adm := w.keys[st.AdminKey]
	if adm == nil {
		return nil, fmt.Errorf("load state %s: %w", path, errNoAdminKey)
	}
	return adm, nil
}

var errNoAdminKey = errors.New("the administrator's key is missing")

// install puts a decoded state in place and rebuilds the key index. The
// world lock is held.
func (w *World) install(st *worldState) {
	w.Accounts = st.Accounts
	if w.Accounts == nil {
		w.Accounts = map[string]*Account{}
	}
	w.DefaultAccount = st.DefaultAccount
	w.keys = map[string]*AccessKey{}
	for _, a := range w.Accounts {
		for _, k := range a.RootKeys {
			w.keys[k.ID] = k
		}
		for _, u := range a.Users {
			for _, k := range u.Keys {
				w.keys[k.ID] = k
			}
		}
	}
	w.tokens = map[string]*Token{}
	for _, t := range st.Tokens {
		w.tokens[t.AccessKeyID] = t
	}
}
