"""Text for matching: width, script (traditional → simplified) and punctuation folded; the
originals are kept by the callers. The bottom room of ``knowledge``: imports none of it."""
