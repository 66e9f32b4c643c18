{ _config:: { a: 1 }, disabled: null }
