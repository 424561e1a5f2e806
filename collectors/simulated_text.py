"""Text templates, hour weights and bios used by the simulator (``collectors.simulated``)."""

ORG_HOURS = (0, 0, 0, 0, 0, 0, 0, 1, 3, 5, 6, 5, 4, 4, 5, 5, 4, 3, 2, 1, 0, 0, 0, 0)  # UTC hour weights
CUSTOMER_HOURS = (1, 1, 0, 0, 0, 0, 1, 2, 3, 3, 3, 4, 5, 4, 4, 4, 4, 5, 6, 6, 5, 4, 3, 2)
TONES, TONE_WEIGHTS = ("question", "complaint", "praise", "neutral"), (0.35, 0.25, 0.25, 0.15)
SUFFIXES = {"general": "", "support": "_help", "news": "_news", "careers": "_jobs", "developers": "_dev"}
BIOS = {"general": "Official account of {brand}. News, products and stories.",
         "support": "Official support for {brand}. Agents sign with their initials.",
         "news": "Newsroom of {brand}.", "careers": "Careers at {brand}. Come build with us.",
         "developers": "APIs and SDKs for building on {brand}."}
# Org texts avoid feedback phrases, query strings, shorteners and trailing sign-off look-alikes unless they
# are meant as those signals; so do customer texts, which the org may repost.
INBOUND = {
    "question": ("is the {item} available in Canada?", "how do I reset my password?", "any news on {item}?",
                 "do you ship on weekends?", "can I change my order after paying?"),
    "complaint": ("my order is late again, terrible service.", "the app keeps crashing, so frustrating.",
                  "still waiting for a refund. Worst experience ever.", "charged twice, so disappointed."),
    "praise": ("love the new {item}, great job!", "thanks for the quick delivery, amazing!",
               "best customer care I have had in years.", "the {item} is fantastic, thank you!"),
    "neutral": ("just picked up the {item}.", "heading to your store this afternoon.", "saw your ad today."),
    "good": ("thanks, that worked!", "great, sorted now. Thank you!", "perfect, cheers!"),
    "bad": ("still not fixed, this is annoying.", "I did that already and nothing happened."),
}
REPLIES = {
    "question": ("Good question! Yes, details are on our help pages.", "It is coming next month!"),
    "complaint": ("Sorry about that! DM us your order number and we will make it right.",
                  "We are sorry to hear this. Could you DM us the details so we can fix it?"),
    "praise": ("Thank you so much, that made our day!", "So glad you like it!"),
    "neutral": ("Enjoy, and thanks for stopping by!", "Thanks for the shout-out!"),
    "good": ("Glad we could help!", "Happy to hear it!"), "bad": ("Sorry, we are escalating this now.",),
}
BROADCASTS = {
    "general": ("New on the blog: {topic}. {link}", "Happy {day}! {topic} is live today.",
                "Meet the team behind {topic}. {link}", "Our {item} is back in stock."),
    "support": ("Our help pages now cover {topic}. {link}", "We are here every day from 7am to 11pm."),
    "news": ("Press release: {topic}. {link}", "In the news this week: {topic}."),
    "careers": ("We are hiring a {role} in {city}. Apply: {link}", "A day in the life of our {role} team."),
    "developers": ("API changelog: {topic}. {link}", "New SDK release for {topic} is out."),
}
MEASURE = ("New arrivals for spring: {tracked}", "Fresh deals this week {short}",
            "Quick poll: which should we build next?", "Tell us what you think of the new {item}!",
            "Take our 2-minute survey and help shape {topic}: {tracked} {link}",
            "Rate your experience with us this month.",
            "You asked, we changed: {topic}. Thanks for your feedback!")
THREADS = ("A quick thread on {topic} 🧵", "Here is how we got there. {link}")
AMPLIFY = ("Love seeing this!", "This is why we do what we do.", "Thanks for sharing, @{cust}!")
UGC = ("Weekend project made with my new {item} #{tag}", "Could not be happier with this {item} #{tag}")
WORDS = {"topic": ("dark mode", "faster checkout", "our new app", "the spring range", "offline sync"),
          "item": ("backpack", "app", "headphones", "coffee maker", "jacket"),
          "role": ("data engineer", "store manager", "designer"), "city": ("Berlin", "Austin", "Lisbon")}
