package main

import (
	"context"
	"flag"
	"os"

	"gridmap/pii"
	"gridmap/store"
)

// dataKeyFlag adds --data-key-file: where the data key file is (made
// once, mode 0600, when missing); GRIDMAP_DATA_KEY, when set, wins.
func dataKeyFlag(fs *flag.FlagSet) *string {
	return fs.String("data-key-file", "", "the data key file sealing personal data, created once with mode 0600 (env GRIDMAP_DATA_KEY_FILE; default: "+
		"/var/lib/gridmap/data.key for root, else $XDG_STATE_HOME/gridmap/data.key); env "+pii.KeyEnv+" wins")
}

// loadDataKey loads the data key from the environment or the key file.
func loadDataKey(e *env, path string) (*pii.Key, error) {
	k, src, err := pii.FindKey(e.getenv, path, os.Getuid())
	if err != nil {
		return nil, err
	}
	e.log.Info("data key", "key", k, "from", src.String())
	return k, nil
}

// keyAndStore loads the data key, then opens the database: what a command
// that reads or writes personal data needs.
func (e *env) keyAndStore(ctx context.Context, keyFile string) (*pii.Key, *store.Store, error) {
	key, err := loadDataKey(e, keyFile)
	if err != nil {
		return nil, nil, err
	}
	st, err := e.store(ctx)
	return key, st, err
}
