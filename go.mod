module github.com/core-sim/core-sim

go 1.26.8

require (
	github.com/fiorix/go-diameter/v4 v4.3.0
	github.com/ishidawataru/sctp v0.0.0-20251114114122-19ddcbc6aae2
	github.com/wmnsk/go-gtp v0.8.12
	go.uber.org/zap v1.28.0
	go.yaml.in/yaml/v3 v3.0.6
)

require go.uber.org/multierr v1.10.0 // indirect
