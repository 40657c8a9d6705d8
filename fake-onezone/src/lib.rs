//! A fake Onezone (work in progress).
