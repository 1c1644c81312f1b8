#!/bin/sh
# Trivselskiosk: take the keys that leave the kiosk's screen out of the console keymap.
# Run as root at boot by trivselskiosk-console-keys.service, before the kiosk starts. The
# Linux keymap switches consoles on alt+F1..F12 and alt+left/right as well as ctrl+alt+Fn,
# Scroll Lock (Hold) freezes the kiosk's output, Boot is ctrl+alt+del, and the Show_* keys
# print machine state over the screen. Each becomes VoidSymbol. The keymap is global, so
# every console loses these keys: maintain the kiosk over ssh (chvt works there).
set -eu
dumpkeys --keys-only \
    | sed -E 's/\<(Console_[0-9]+|Incr_Console|Decr_Console|Last_Console|Spawn_Console|KeyboardSignal|Boot|Scroll_Lock|Show_State|Show_Memory|Show_Registers)\>/VoidSymbol/g' \
    | loadkeys --quiet
