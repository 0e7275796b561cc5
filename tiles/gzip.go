package tiles

// AcceptsGzip reports whether an Accept-Encoding header value allows
// gzip (for other tile handlers, such as the events' hexagons).
func AcceptsGzip(acceptEncoding string) bool { return acceptsGzip(acceptEncoding) }
