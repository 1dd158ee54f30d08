#!/usr/bin/env node
// kubectl's plugin: with this on PATH as kubectl-walk (npm install -g puts it there), `kubectl walk
// run …` is `kubewalk run …`. kubectl hands over the arguments after `walk` and the environment
// (KUBECONFIG) as they are. The launcher, its EPIPE handling and exit codes are kubewalk's own.
import './kubewalk.js'
