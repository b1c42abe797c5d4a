"""The embedded AWS emulator: moto in server mode on 127.0.0.1, with one documented patch per gap."""
