#!/usr/bin/env node
// A committed, executable entry: npm links it at install time, before dist/ exists.
import "../dist/main.js";
