import { createRouter, createWebHistory } from 'vue-router'
import { session, loadUser } from './api.js'
import { fail, clearNotice } from './notice.js'
import Login from './views/Login.vue'
import Documents from './views/Documents.vue'
import Overview from './views/Overview.vue'
import Document from './views/Document.vue'
import Search from './views/Search.vue'
import Topics from './views/Topics.vue'
import Shares from './views/Shares.vue'
import Trash from './views/Trash.vue'
import Audit from './views/Audit.vue'
import Settings from './views/Settings.vue'
import Admin from './views/Admin.vue'
import NotFound from './views/NotFound.vue'
import PublicLink from './views/PublicLink.vue'
import Reset from './views/Reset.vue'

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', component: Login, meta: { public: true, title: 'title.signIn' } },
    { path: '/reset/:token', component: Reset, meta: { public: true, title: 'reset.title' } },
    { path: '/', component: Documents, meta: { title: 'nav.documents' } },
    { path: '/overview', component: Overview, meta: { title: 'nav.overview' } },
    { path: '/shared', component: Documents, props: { shared: true }, meta: { title: 'nav.shared' } },
    { path: '/documents/:id', component: Document, props: true, meta: { title: 'title.document' } },
    { path: '/search', component: Search, meta: { title: 'title.search' } },
    { path: '/topics', component: Topics, meta: { title: 'nav.topics' } },
    { path: '/shares', component: Shares, meta: { title: 'nav.shares' } },
    { path: '/trash', component: Trash, meta: { title: 'nav.trash' } },
    { path: '/audit', component: Audit, meta: { title: 'nav.activity' } },
    { path: '/settings', component: Settings, meta: { title: 'nav.settings' } },
    { path: '/admin', component: Admin, meta: { title: 'nav.users', admin: true } },
    // A share link's page: for people without an account (no sign-in).
    { path: '/s/:token', component: PublicLink, props: true, meta: { public: true, title: 'links.public.pageTitle' } },
    { path: '/:rest(.*)*', component: NotFound, meta: { public: true, title: 'title.notFound' } },
  ],
})

router.beforeEach(async (to) => {
  // A message is about the page it was shown on: a new page starts without.
  clearNotice()
  if (to.meta.public) return true
  try {
    const u = await loadUser()
    if (!u) return { path: '/login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} }
  } catch (e) {
    if (!session.refresh) return { path: '/login', query: { next: to.fullPath } }
    // server down: stay, and say so (the page shows the notice)
    fail(e)
    return true
  }
  if (to.meta.admin && session.user && session.user.role !== 'admin') return '/'
  return true
})

// A page's meta.title is a catalogue key: App.vue sets the tab's title
// from it, in the language chosen.
