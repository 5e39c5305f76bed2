"""WTForms forms (CSRF through Flask-WTF), one module per area. Labels are lazy so they follow
the chosen language."""
