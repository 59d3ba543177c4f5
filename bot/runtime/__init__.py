"""What every front end starts from: settings, the composition root, the error boundary and log redaction."""
