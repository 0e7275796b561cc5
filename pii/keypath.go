package pii

// KeyFileEnv names the environment variable giving the key file when no
// path is given.
const KeyFileEnv = "GRIDMAP_DATA_KEY_FILE"

// KeyPath returns the key file LoadKey is to read: path when given, else
// KeyFileEnv's, else (unless KeyEnv holds the key itself, when it is "")
// DefaultKeyPath for the user uid.
func KeyPath(getenv func(string) string, path string, uid int) (string, error) {
	if path == "" {
		path = getenv(KeyFileEnv)
	}
	if path != "" || getenv(KeyEnv) != "" {
		return path, nil
	}
	return DefaultKeyPath(getenv, uid)
}

// FindKey loads the data key as LoadKey does from the key file KeyPath
// names (path when given).
func FindKey(getenv func(string) string, path string, uid int) (*Key, KeySource, error) {
	path, err := KeyPath(getenv, path, uid)
	if err != nil {
		return nil, KeySource{}, err
	}
	return LoadKey(getenv, path)
}
