"""The live path: the WebSocket consumer and the HTML fragments it and the pages render."""
