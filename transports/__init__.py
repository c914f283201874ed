"""Thin translations between messengers and the neutral core. Only this package imports
aiogram or vk_api (a test checks it): a new messenger is one new module here."""
