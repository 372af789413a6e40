/**
 * What a developer sees on a first visit to /playground (GraphiQL keeps its own tabs in localStorage after
 * that): a query of the users and a live subscription, each saying how it authenticates. Comment lines stay
 * short enough for the editor's width beside the result pane.
 */

const HOW_TO_AUTHENTICATE = `# Requests run as your dashboard session:
# sign in at /sign-in first. To call as an
# API key instead, open "Headers" below and
# paste (with your key):
#   { "Authorization": "Bearer <API key>" }
# Docs: the book icon on the left.
# History: the clock icon. Run: Ctrl-Enter.`;

export const USERS_QUERY_TAB = `${HOW_TO_AUTHENTICATE}

query Users {
  users(page: { first: 5 }) {
    totalCount
    edges {
      node {
        email
        name
        role
        status
        invitationPending
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
`;

export const USER_EVENTS_SUBSCRIPTION_TAB = `# Live changes to your account's users, over
# graphql-ws on /graphql. Run it, then invite
# someone (dashboard, or inviteUsers in
# another tab): each event shows up below.
# The run button stops it.

subscription UserEvents {
  userEvents {
    type
    at
    users {
      email
      status
      invitationPending
    }
    removedUserIds
  }
}
`;

export const DEFAULT_TABS = [{ query: USERS_QUERY_TAB }, { query: USER_EVENTS_SUBSCRIPTION_TAB }];
