"""A method that exists only for the tests: what adding a method to crossmodal takes."""
